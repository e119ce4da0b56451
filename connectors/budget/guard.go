package budget

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Window names, as refusals and snapshots give them.
const (
	// Daily is the daily budget: Salesforce's rolling 24 hours, HubSpot's private-app day.
	Daily = "daily"
	// Short is the short rate window: HubSpot's rolling 10 seconds per app.
	Short = "short"
)

// Defaults of Config.
const (
	// DefaultShare is the share of each window the product may use unless an admin says otherwise:
	// half, so the customer's own users and integrations keep the other half.
	DefaultShare Share = 0.5
	// DefaultProbeEvery is how often a paused daily budget lets one call look at the count again.
	DefaultProbeEvery = 5 * time.Minute
)

const (
	// dayLength is how long a call stays in a daily window at most.
	dayLength = 24 * time.Hour
	// learnRetry is the wait of a caller refused while the first answer is awaited.
	learnRetry = 250 * time.Millisecond
	// minShortRetry and minDailyRetry keep refused callers from coming straight back.
	minShortRetry = 50 * time.Millisecond
	minDailyRetry = time.Second
	// silentAnswers is how many answers without any budget figure the guard waits for before it
	// concludes the connection reports none and stops letting calls through one at a time.
	silentAnswers = 3
)

// reserve is how far below the daily line ordinary work stops, leaving room for the probes that look
// at the count while work is paused: 1 % of the line, at least 3 calls.
func reserve(line int) int { return max(3, (line+99)/100) }

// Config configures the guard of one CRM connection.
type Config struct {
	// CRM ("salesforce", "hubspot") and Connection (the pairing file's connection name) name the
	// connection in refusals and snapshots.
	CRM        string
	Connection string
	// DailyShare and ShortShare are the parts of the daily budget and of the short window the product
	// may use (DefaultShare when zero).
	DailyShare Share
	ShortShare Share
	// ProbeEvery is how often a paused daily budget lets one call through to read the count again
	// (DefaultProbeEvery when zero).
	ProbeEvery time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Jitter returns a random wait below its argument, added to daily refusals so that the deals a
	// pause holds do not all come back at the same instant; nil uses math/rand.
	Jitter func(time.Duration) time.Duration
}

// Cost is what one request spends of each window. A request the CRM does not count (an OAuth token
// request) costs nothing and is never refused.
type Cost struct {
	Daily bool
	Short bool
	// Blind marks a call whose answer carries no budget figures (HubSpot's searches). It is never the
	// call that probes a paused daily budget: its answer could not tell whether the count fell.
	Blind bool
}

// Full is the cost of an ordinary API call.
var Full = Cost{Daily: true, Short: true}

// Guard is the budget guard of one CRM connection. It is safe for concurrent use; every request on
// the connection goes through the same guard.
type Guard struct {
	cfg Config

	mu       sync.Mutex
	daily    window
	short    window
	inflight int // counted calls let through and not answered yet
	// learned is set once an answer reported a budget figure, or several answers in a row reported
	// none; until then one call goes at a time.
	learned bool
	silent  int
	// lastAdmit is when the last counted call was let through.
	lastAdmit time.Time
	// pausedSince is when the daily budget first refused a call in the current pause.
	pausedSince time.Time
}

// window is the guard's view of one window.
type window struct {
	share Share
	// present is set once the CRM reported the window; a window never reported is not guarded.
	present  bool
	limit    int
	interval time.Duration // rolling windows only
	// count is the estimate of the window's count: the CRM's figure at readAt, raised to cover the
	// calls let through that the figure cannot include. For a rolling window it applies until freeAt;
	// the guard's own calls cover the rest: those answered within the interval (own, stamped when the
	// answer came, which is never before the CRM counted them) and those still in flight (pending).
	count   int
	readAt  time.Time
	freeAt  time.Time
	own     []time.Time
	pending int
	refused int64
	// The busy period under way (see settle): the highest figure its answers carried, whether any did,
	// and how many of its calls spent the window with an answer that carried no figure for it.
	periodMax   int
	periodSeen  bool
	periodBlind int
}

// New returns the guard of one connection.
func New(cfg Config) *Guard {
	if cfg.DailyShare <= 0 {
		cfg.DailyShare = DefaultShare
	}
	if cfg.ShortShare <= 0 {
		cfg.ShortShare = DefaultShare
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = DefaultProbeEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return 0
			}
			return rand.N(d)
		}
	}
	return &Guard{cfg: cfg, daily: window{share: cfg.DailyShare}, short: window{share: cfg.ShortShare}}
}

// Ticket is a call the guard let through. Its answer's budget figures go back with Done.
type Ticket struct {
	g    *Guard
	cost Cost
}

// Admit lets one call of the given cost through, or refuses it with a *Refusal saying when to try
// again. A call let through must be answered with Ticket.Done, whatever its outcome.
func (g *Guard) Admit(c Cost) (*Ticket, error) {
	now := g.cfg.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	t := &Ticket{g: g, cost: c}
	if !c.Daily && !c.Short {
		return t, nil
	}
	if !g.learned && g.inflight > 0 {
		g.short.refused++
		return nil, g.refusal(Short, &g.short, learnRetry, true)
	}
	if c.Daily && g.daily.present {
		if ok, wait := g.checkDaily(now, c.Blind); !ok {
			g.daily.refused++
			if g.pausedSince.IsZero() {
				g.pausedSince = now
			}
			return nil, g.refusal(Daily, &g.daily, wait, false)
		}
	}
	if c.Short && g.short.present {
		if ok, wait := g.short.checkRolling(now); !ok {
			g.short.refused++
			return nil, g.refusal(Short, &g.short, wait, false)
		}
	}
	g.inflight++
	g.lastAdmit = now
	if c.Daily {
		g.daily.count++
	}
	if c.Short {
		if g.short.fresh(now) {
			g.short.count++
		}
		g.short.pending++
	}
	return t, nil
}

// checkDaily decides a call on the daily budget: ordinary work below the stop (the line less the
// reserve); while paused, one probe at a time, every ProbeEvery, as long as it stays on the line; and
// after a whole day without a call, one call to look again.
func (g *Guard) checkDaily(now time.Time, blind bool) (bool, time.Duration) {
	d := &g.daily
	line := d.share.line(d.limit)
	if g.inflight == 0 && line >= 1 && now.Sub(g.lastAdmit) >= dayLength {
		d.count = 0 // a whole day without a call: everything the count held has left the window
	}
	if d.count+1 <= line-reserve(line) {
		g.pausedSince = time.Time{}
		return true, 0
	}
	if g.inflight == 0 && !blind && d.count+1 <= line && now.Sub(d.readAt) >= g.cfg.ProbeEvery {
		return true, 0
	}
	wait := d.readAt.Add(g.cfg.ProbeEvery).Sub(now)
	if d.count+1 > line && line >= 1 {
		// The reserve is spent and the count has not fallen: nothing more may be sent until every call
		// counted has left the window.
		wait = max(wait, g.lastAdmit.Add(dayLength).Sub(now))
	}
	wait = max(wait, minDailyRetry)
	return false, wait + g.cfg.Jitter(g.cfg.ProbeEvery/10)
}

// fresh reports whether the CRM's figure still applies to a rolling window.
func (w *window) fresh(now time.Time) bool { return !w.readAt.IsZero() && now.Before(w.freeAt) }

// roll drops what has left a rolling window by now.
func (w *window) roll(now time.Time) {
	if !w.fresh(now) {
		w.count, w.readAt = 0, time.Time{}
	}
	i := 0
	for i < len(w.own) && !w.own[i].Add(w.interval).After(now) {
		i++
	}
	w.own = w.own[i:]
}

// checkRolling decides a call on a rolling window, and how long a refused one waits for room.
func (w *window) checkRolling(now time.Time) (bool, time.Duration) {
	w.roll(now)
	line := w.share.line(w.limit)
	if line < 1 {
		return false, max(w.interval, minShortRetry)
	}
	if w.estimate()+1 <= line {
		return true, 0
	}
	at := now
	if w.fresh(now) && w.count+1 > line {
		at = w.freeAt
	}
	if n := len(w.own) + w.pending; n+1 > line {
		// Room comes when the oldest n-line+1 of the guard's own calls have left the interval; calls
		// still in flight leave it an interval after their answer, at the soonest.
		oldest := now.Add(w.interval)
		if k := n - line; k < len(w.own) {
			oldest = w.own[k].Add(w.interval)
		}
		if oldest.After(at) {
			at = oldest
		}
	}
	return false, max(at.Sub(now), minShortRetry)
}

// estimate is a rolling window's count as the guard sees it after roll.
func (w *window) estimate() int { return max(w.count, len(w.own)+w.pending) }

// Done reads an answer's budget figures back into the guard; call it with an empty Reading when the
// call got no answer. It is safe to call on a nil Ticket.
func (t *Ticket) Done(r Reading) {
	if t == nil {
		return
	}
	g := t.g
	now := g.cfg.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	counted := t.cost.Daily || t.cost.Short
	if counted {
		g.inflight--
	}
	if t.cost.Short {
		g.short.pending--
		g.short.own = append(g.short.own, now)
	}
	if r.empty() && counted && !g.learned {
		if g.silent++; g.silent >= silentAnswers {
			g.learned = true
		}
	}
	if !r.empty() {
		g.learned = true
	}
	g.daily.answer(r.Daily, t.cost.Daily, now, g.inflight)
	if r.Short != nil {
		g.short.roll(now)
	}
	g.short.answer(r.Short, t.cost.Short, now, g.short.pending)
	if r.Short != nil {
		free := g.short.interval
		if ra := r.Short.RetryAfter; ra > 0 && ra < free {
			free = ra
		}
		g.short.freeAt = now.Add(free)
	}
	if g.inflight == 0 {
		g.daily.settle()
		g.short.settle()
	}
}

// answer takes one answer's figure for the window (nil when the answer had none). While calls overlap
// the figure may miss some of them, so the estimate becomes at least the figure plus the calls still in
// flight, and is never lowered; settle corrects it once every call has been answered.
func (w *window) answer(c *Count, spent bool, now time.Time, inflight int) {
	if c == nil {
		if spent {
			w.periodBlind++
		}
		return
	}
	first := !w.present || w.readAt.IsZero()
	w.present = true
	w.limit = c.Limit
	if c.Interval > 0 {
		w.interval = c.Interval
	}
	if first {
		w.count = c.Used + inflight
	} else {
		w.count = max(w.count, c.Used+inflight)
	}
	w.readAt = now
	w.periodMax = max(w.periodMax, c.Used)
	w.periodSeen = true
}

// settle ends a busy period (the time some call was in flight): every call let through in it has been
// counted by the CRM, so the highest figure of the period is the count as of the last call the CRM
// processed, plus the calls whose answers carried no figure (they may have come after it). That
// replaces the estimate, which may have been raised for calls that turned out to be counted already,
// or lowered when the window moved on or the day reset.
func (w *window) settle() {
	if w.periodSeen {
		w.count = w.periodMax + w.periodBlind
	}
	w.periodMax, w.periodSeen, w.periodBlind = 0, false, 0
}

// Snapshot is what a guard knows of its connection's budget, for `cosell status` and the feeds.
type Snapshot struct {
	CRM        string       `json:"crm"`
	Connection string       `json:"connection,omitempty"`
	At         time.Time    `json:"at"`
	Daily      *WindowState `json:"daily,omitempty"`
	Short      *WindowState `json:"short,omitempty"`
	// PausedSince is when the daily budget first refused a call in the current pause; zero while
	// work runs.
	PausedSince time.Time `json:"pausedSince,omitzero"`
	// NextProbe is when a paused daily budget next lets a call through to look again.
	NextProbe time.Time `json:"nextProbe,omitzero"`
}

// WindowState is one window in a Snapshot.
type WindowState struct {
	// Used is the guard's estimate of the window's count (every caller's calls); Limit the CRM's.
	Used  int   `json:"used"`
	Limit int   `json:"limit"`
	Share Share `json:"share"`
	// Line is the most the count may reach under the share; Stop, for the daily budget, is where
	// ordinary work pauses (the line less the probe reserve).
	Line     int           `json:"line"`
	Stop     int           `json:"stop,omitempty"`
	Interval time.Duration `json:"interval,omitempty"`
	ReadAt   time.Time     `json:"readAt,omitzero"`
	// Refused counts the calls this guard refused on the window since the worker started.
	Refused int64 `json:"refused"`
}

// Snapshot returns the guard's current view.
func (g *Guard) Snapshot() Snapshot {
	now := g.cfg.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	s := Snapshot{CRM: g.cfg.CRM, Connection: g.cfg.Connection, At: now, PausedSince: g.pausedSince}
	if d := &g.daily; d.present {
		line := d.share.line(d.limit)
		s.Daily = &WindowState{Used: d.count, Limit: d.limit, Share: d.share, Line: line, Stop: max(line-reserve(line), 0),
			ReadAt: d.readAt, Refused: d.refused}
		if !g.pausedSince.IsZero() {
			s.NextProbe = d.readAt.Add(g.cfg.ProbeEvery)
			if d.count+1 > line {
				s.NextProbe = g.lastAdmit.Add(dayLength)
			}
		}
	}
	if w := &g.short; w.present {
		w.roll(now)
		s.Short = &WindowState{Used: w.estimate(), Limit: w.limit, Share: w.share, Line: w.share.line(w.limit),
			Interval: w.interval, ReadAt: w.readAt, Refused: w.refused}
	}
	return s
}

// refusal builds the error of a refused call. The caller holds g.mu.
func (g *Guard) refusal(name string, w *window, wait time.Duration, learning bool) *Refusal {
	used := w.count
	if name == Short {
		used = w.estimate()
	}
	return &Refusal{CRM: g.cfg.CRM, Connection: g.cfg.Connection, Window: name, Used: used, Limit: w.limit,
		Line: w.share.line(w.limit), Share: w.share, Interval: w.interval, RetryAfter: wait, Learning: learning}
}
