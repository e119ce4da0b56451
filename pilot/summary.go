package pilot

import (
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"time"
)

// Deal statuses.
const (
	StatusOpen = "open"
	StatusWon  = "won"
	StatusLost = "lost"
)

// Summary is the compact state a PilotWorkflow carries, across continue-as-new too: per deal a few
// numbers, counters, and one pipeline point per day — never raw events, so it stays small however long
// the window runs. Apply folds events in; Sample records the day's pipeline; Score reads it.
type Summary struct {
	// Quarter numbers the window: 1 for the pilot, 2 for the window after a "scale", and so on.
	Quarter int `json:"quarter"`
	// Start is when the window began (day 0).
	Start time.Time `json:"start"`
	// Deals holds every co-sell deal the window has heard of, by co-sell id.
	Deals map[string]*DealStat `json:"deals"`
	// Counters of the window, each event counted once.
	Breaches    int `json:"breaches"`
	Conflicts   int `json:"conflicts"`
	Disputes    int `json:"disputes"`
	Touchpoints int `json:"touchpoints"`
	// Pipeline is the open co-sell pipeline value sampled once per day, in day order.
	Pipeline []Point `json:"pipeline"`
	// ActiveAt is the number of open co-sell deals on each checkpoint day and on the active-deals day.
	ActiveAt map[int]int `json:"activeAt"`
	// Seen counts the events of each kind that changed something, so a scorecard can say which inputs
	// have not arrived at all.
	Seen map[EventKind]int `json:"seen"`
	// Counted holds a 64-bit hash of each counted event (breach, conflict, dispute, touchpoint), sorted,
	// so a redelivered one is not counted twice. Eight bytes an event instead of the event.
	Counted []uint64 `json:"counted,omitempty"`
}

// DealStat is what the window keeps of one co-sell deal.
type DealStat struct {
	// RegisteredAt is when the deal was registered for co-sell; zero when the window has not seen its
	// registration (a deal carried over from the previous window keeps its own).
	RegisteredAt time.Time `json:"registeredAt"`
	// Side registered it: "a" or "b".
	Side     string `json:"side,omitempty"`
	Accepted bool   `json:"accepted,omitempty"`
	// Withdrawn is set while a partner has the deal out of co-sell (unflagged).
	Withdrawn bool    `json:"withdrawn,omitempty"`
	Stage     string  `json:"stage,omitempty"`
	Amount    float64 `json:"amount,omitempty"`
	// Status is StatusOpen, StatusWon or StatusLost.
	Status   string    `json:"status"`
	ClosedAt time.Time `json:"closedAt"`
	// CycleDays is registration to close, in pilot days; 0 while open or when the registration is unknown.
	CycleDays float64 `json:"cycleDays,omitempty"`
	// StatusAt and AmountAt are the times of the newest events that set the stage and status, and the
	// amount: an older event arriving late does not undo a newer one.
	StatusAt time.Time `json:"statusAt"`
	AmountAt time.Time `json:"amountAt"`
	// Disputes counts attribution disputes on the deal.
	Disputes int `json:"disputes,omitempty"`
}

// Point is one day's pipeline value.
type Point struct {
	Day   int     `json:"day"`
	Value float64 `json:"value"`
}

// NewSummary starts the summary of window quarter, beginning at start.
func NewSummary(quarter int, start time.Time) *Summary {
	s := &Summary{Quarter: quarter, Start: start}
	s.init()
	return s
}

// init makes the maps of a summary decoded from JSON (or built by hand) usable.
func (s *Summary) init() {
	if s.Deals == nil {
		s.Deals = map[string]*DealStat{}
	}
	if s.ActiveAt == nil {
		s.ActiveAt = map[int]int{}
	}
	if s.Seen == nil {
		s.Seen = map[EventKind]int{}
	}
}

// Apply folds one event into the summary. It is idempotent: a redelivered event changes nothing,
// because counters count each event once (by its hash) and a deal's stage, status and amount are set
// from its newest event rather than adjusted. A deal is won or lost by a won or lost event, or by a
// stage in cfg.WonStages or cfg.LostStages; a later open stage reopens it. Unknown kinds, and deal
// events without a co-sell id, are ignored.
func (s *Summary) Apply(cfg Config, e DealEvent) {
	if s == nil || !e.Kind.Known() {
		return
	}
	s.init()
	switch e.Kind {
	case Touchpoint, SLABreached, Conflict, Dispute:
		if !s.mark(e) {
			return
		}
		s.Seen[e.Kind]++
		switch e.Kind {
		case Touchpoint:
			s.Touchpoints++
		case SLABreached:
			s.Breaches++
		case Conflict:
			s.Conflicts++
		case Dispute:
			s.Disputes++
		}
		if e.CoSellID != "" {
			d := s.deal(e.CoSellID)
			if e.Kind == Dispute {
				d.Disputes++
			}
		}
		return
	}
	if e.CoSellID == "" {
		return
	}
	if s.deal(e.CoSellID).apply(cfg, e) {
		s.Seen[e.Kind]++
	}
}

// deal returns the deal's stat, creating an open one.
func (s *Summary) deal(id string) *DealStat {
	d := s.Deals[id]
	if d == nil {
		d = &DealStat{Status: StatusOpen}
		s.Deals[id] = d
	}
	return d
}

// mark records a counted event and reports whether it is new.
func (s *Summary) mark(e DealEvent) bool {
	h := fnv.New64a()
	_, _ = h.Write([]byte(string(e.Kind) + "\x00" + e.CoSellID + "\x00" + strconv.FormatInt(e.At.UnixNano(), 10) +
		"\x00" + e.Side + "\x00" + e.Stage))
	key := h.Sum64()
	i, found := slices.BinarySearch(s.Counted, key)
	if found {
		return false
	}
	s.Counted = slices.Insert(s.Counted, i, key)
	return true
}

// apply folds a deal-state event (registered, accepted, stage_changed, won, lost) into d and reports
// whether anything changed.
func (d *DealStat) apply(cfg Config, e DealEvent) bool {
	before := *d
	switch e.Kind {
	case Registered:
		// The earliest registration counts; a redelivered one changes nothing.
		if d.RegisteredAt.IsZero() || e.At.Before(d.RegisteredAt) {
			d.RegisteredAt, d.Side = e.At, e.Side
		}
	case Accepted:
		d.Accepted = true
	case Withdrawn:
		d.Withdrawn = true
	case Resumed:
		d.Withdrawn = false
	}
	if knownAmount(e.Amount) && !e.At.Before(d.AmountAt) {
		d.Amount, d.AmountAt = e.Amount, e.At
	}
	// Won and lost events, and any event naming a stage, decide the status; the newest one wins.
	// Two events at the same instant settle by rank (won, then lost, then open), whatever their order.
	status := StatusOpen // a move to an open stage reopens a closed deal
	switch {
	case e.Kind == Won || (e.Kind != Lost && cfg.won(e.Stage)):
		status = StatusWon
	case e.Kind == Lost || cfg.lost(e.Stage):
		status = StatusLost
	}
	decides := e.Kind == Won || e.Kind == Lost || e.Stage != ""
	if decides && (e.At.After(d.StatusAt) || (e.At.Equal(d.StatusAt) && rank(status) >= rank(d.Status))) {
		if e.Stage != "" {
			d.Stage = e.Stage
		}
		if status != d.Status {
			d.Status = status
			d.ClosedAt = time.Time{}
			if status != StatusOpen {
				d.ClosedAt = e.At
			}
		}
		d.StatusAt = e.At
	}
	d.settle(cfg)
	changed := *d
	changed.StatusAt, changed.AmountAt = before.StatusAt, before.AmountAt
	return changed != before
}

// rank orders statuses for events at the same instant.
func rank(status string) int {
	switch status {
	case StatusWon:
		return 2
	case StatusLost:
		return 1
	}
	return 0
}

// settle recomputes the cycle length once both ends are known, whichever event arrived last.
func (d *DealStat) settle(cfg Config) {
	d.CycleDays = 0
	if d.Status == StatusOpen || d.RegisteredAt.IsZero() || d.ClosedAt.IsZero() {
		return
	}
	d.CycleDays = days(cfg, d.RegisteredAt, d.ClosedAt)
}

// registeredIn reports whether the deal was registered in the window that starts at start.
func (d *DealStat) registeredIn(start time.Time) bool {
	return !d.RegisteredAt.IsZero() && !d.RegisteredAt.Before(start)
}

// closedIn reports whether the deal closed (won or lost) in the window that starts at start.
func (d *DealStat) closedIn(start time.Time) bool {
	return d.Status != StatusOpen && !d.ClosedAt.IsZero() && !d.ClosedAt.Before(start)
}

// Sample records day's pipeline: the value of open co-sell deals (one point per day; sampling a day again
// replaces its point), and on checkpoint days and the active-deals day the number of open deals.
// Call it once a pilot day; negative days are ignored.
func (s *Summary) Sample(cfg Config, day int) {
	if s == nil || day < 0 {
		return
	}
	s.init()
	value, open := s.open()
	i, found := slices.BinarySearchFunc(s.Pipeline, day, func(p Point, d int) int { return p.Day - d })
	if found {
		s.Pipeline[i].Value = value
	} else {
		s.Pipeline = slices.Insert(s.Pipeline, i, Point{Day: day, Value: value})
	}
	if cfg.IsCheckpoint(day) || day == cfg.Targets.ActiveDealsDay {
		s.ActiveAt[day] = open
	}
}

// open sums the amounts of the open deals and counts them, in co-sell id order so the sum is the same
// on every replay.
func (s *Summary) open() (value float64, count int) {
	for _, id := range s.ids() {
		if d := s.Deals[id]; d.Status == StatusOpen {
			value += d.Amount
			count++
		}
	}
	return value, count
}

// Next starts the summary of the following window at start, carrying the deals still open (they keep
// their registration date, so they do not count as the new window's registrations).
func (s *Summary) Next(start time.Time) *Summary {
	n := NewSummary(s.Quarter+1, start)
	for _, id := range s.ids() {
		if d := s.Deals[id]; d.Status == StatusOpen {
			c := *d
			c.Disputes = 0
			n.Deals[id] = &c
		}
	}
	return n
}

// ids lists the deals' co-sell ids in order: every walk over deals goes through it.
func (s *Summary) ids() []string {
	ids := make([]string, 0, len(s.Deals))
	// Collected, then sorted: the map's order never reaches a result.
	//workflowcheck:ignore
	for id := range s.Deals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// knownAmount is an amount an event actually reports: a finite number above zero.
func knownAmount(f float64) bool { return f > 0 && !math.IsInf(f, 0) }

// days is the length of from→to in pilot days, never negative.
func days(cfg Config, from, to time.Time) float64 {
	day := cfg.Day
	if day <= 0 {
		day = DefaultDay
	}
	if !to.After(from) {
		return 0
	}
	return float64(to.Sub(from)) / float64(day)
}
