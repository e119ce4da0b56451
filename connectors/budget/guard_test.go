package budget

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a test clock the guard reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestGuard(cfg Config) (*Guard, *clock) {
	clk := &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	cfg.Now = clk.now
	cfg.Jitter = func(time.Duration) time.Duration { return 0 }
	if cfg.CRM == "" {
		cfg.CRM = "salesforce"
	}
	return New(cfg), clk
}

// crm is a CRM's daily counter as the tests drive it: each call it answers counts one.
type crm struct {
	used, limit int
}

// call sends one call through g to c and answers it at once; it reports whether the guard let it through.
func (c *crm) call(t *testing.T, g *Guard) (bool, *Refusal) {
	t.Helper()
	tk, err := g.Admit(Full)
	if err != nil {
		r, ok := AsRefusal(err)
		require.True(t, ok, "a refusal is a *Refusal: %v", err)
		return false, r
	}
	c.used++
	tk.Done(Reading{Daily: &Count{Used: c.used, Limit: c.limit}})
	return true, nil
}

func TestDailyStopsBelowTheLineAndSaysWhenToLookAgain(t *testing.T) {
	g, clk := newTestGuard(Config{DailyShare: 0.5, ProbeEvery: time.Minute, Connection: "acme-sf"})
	c := &crm{used: 10, limit: 1000} // the customer's own users already made 10 calls
	line, stop := 500, 500-reserve(500)
	require.Equal(t, 495, stop, "the reserve is 1 % of the line, at least 3")
	n := 0
	for {
		ok, r := c.call(t, g)
		if !ok {
			assert.Equal(t, Daily, r.Window)
			assert.True(t, r.Paused())
			assert.Equal(t, stop, r.Used)
			assert.Equal(t, line, r.Line)
			assert.Equal(t, 1000, r.Limit)
			assert.Equal(t, time.Minute, r.RetryAfter, "the next look is one probe interval after the last answer")
			assert.Contains(t, r.Error(), "salesforce connection acme-sf")
			assert.Contains(t, r.Error(), "50% share of the daily API budget")
			break
		}
		n++
		require.Less(t, n, 1000)
	}
	assert.Equal(t, stop, c.used, "ordinary work stops at the line less the reserve, counting the customer's calls")

	clk.advance(20 * time.Second)
	ok, r := c.call(t, g)
	assert.False(t, ok)
	assert.Equal(t, 40*time.Second, r.RetryAfter)

	s := g.Snapshot()
	require.NotNil(t, s.Daily)
	assert.Equal(t, WindowState{Used: stop, Limit: 1000, Share: 0.5, Line: line, Stop: stop, ReadAt: s.Daily.ReadAt, Refused: 2}, *s.Daily)
	assert.False(t, s.PausedSince.IsZero())
	assert.Nil(t, s.Short, "Salesforce reports no short window")
}

func TestPausedDailyBudgetProbesAndResumesByItself(t *testing.T) {
	g, clk := newTestGuard(Config{DailyShare: 0.5, ProbeEvery: time.Minute})
	c := &crm{limit: 100}
	for ok := true; ok; ok, _ = c.call(t, g) {
	}
	require.Equal(t, 47, c.used)

	// One probe a minute, each within the reserve, while nothing falls.
	for probe := 1; probe <= 3; probe++ {
		clk.advance(time.Minute)
		ok, _ := c.call(t, g)
		require.True(t, ok, "probe %d", probe)
		ok, _ = c.call(t, g)
		require.False(t, ok, "one probe per interval")
	}
	assert.Equal(t, 50, c.used, "the probes spent the reserve and stopped on the line")
	clk.advance(time.Minute)
	ok, r := c.call(t, g)
	require.False(t, ok, "the reserve is spent: nothing passes the line")
	assert.Greater(t, r.RetryAfter, 23*time.Hour, "only a day without calls can empty the window")

	// A day later every call counted has left the window; the guard looks again.
	clk.advance(24 * time.Hour)
	c.used = 0
	ok, _ = c.call(t, g)
	require.True(t, ok)
	for ok := true; ok; ok, _ = c.call(t, g) {
	}
	assert.Equal(t, 47, c.used, "work resumed and paused again at the stop")
	assert.LessOrEqual(t, c.used, 50)
}

func TestProbeSeesTheResetAndWorkResumes(t *testing.T) {
	g, clk := newTestGuard(Config{DailyShare: 0.5, ProbeEvery: time.Minute})
	c := &crm{limit: 100}
	for ok := true; ok; ok, _ = c.call(t, g) {
	}
	require.False(t, g.Snapshot().PausedSince.IsZero())
	c.used = 0 // the CRM's day reset (or an admin raised nothing and the rolling window moved on)
	clk.advance(time.Minute)
	ok, _ := c.call(t, g)
	require.True(t, ok, "the probe")
	calls := 1
	for ok := true; ok; ok, _ = c.call(t, g) {
		calls++
	}
	assert.Equal(t, 47, c.used, "after the probe saw the count fall, work ran up to the stop again")
	assert.True(t, g.Snapshot().PausedSince.After(time.Time{}))
}

func TestConcurrentCallsNeverPassTheLine(t *testing.T) {
	// Callers overlap: a call is let through while others are in flight, and the CRM answers them out
	// of order; the estimate must cover every call the answers cannot include yet.
	g, _ := newTestGuard(Config{DailyShare: 0.3})
	limit := 100
	used := 0
	var inflight []*Ticket
	var figures []int
	admitted := 0
	for i := 0; i < 200; i++ {
		if tk, err := g.Admit(Full); err == nil {
			admitted++
			used++ // the CRM counts it when it arrives
			inflight = append(inflight, tk)
			figures = append(figures, used)
		}
		// Answer the oldest call in flight every third step, with a figure taken when it arrived.
		if i%3 == 2 && len(inflight) > 0 {
			k := len(inflight) - 1 // newest first: answers overtake each other
			inflight[k].Done(Reading{Daily: &Count{Used: figures[k], Limit: limit}})
			inflight, figures = inflight[:k], figures[:k]
		}
	}
	line := Share(0.3).line(limit)
	assert.LessOrEqual(t, used, line, "the CRM never counted more than the share")
	assert.Positive(t, admitted)
}

func TestFirstCallLearnsAlone(t *testing.T) {
	g, _ := newTestGuard(Config{})
	first, err := g.Admit(Full)
	require.NoError(t, err)
	_, err = g.Admit(Full)
	r, ok := AsRefusal(err)
	require.True(t, ok, "one call at a time until an answer shows the count")
	assert.True(t, r.Learning)
	assert.False(t, r.Paused(), "learning is pacing, not a pause")
	assert.Equal(t, learnRetry, r.RetryAfter)
	first.Done(Reading{Daily: &Count{Used: 1, Limit: 15000}})
	var tickets []*Ticket
	for i := 0; i < 10; i++ {
		tk, err := g.Admit(Full)
		require.NoError(t, err, "once learned, calls go concurrently")
		tickets = append(tickets, tk)
	}
	for _, tk := range tickets {
		tk.Done(Reading{})
	}
}

func TestAConnectionThatReportsNothingIsNotHeldBack(t *testing.T) {
	g, _ := newTestGuard(Config{})
	for i := 0; i < silentAnswers; i++ {
		tk, err := g.Admit(Full)
		require.NoError(t, err)
		tk.Done(Reading{})
	}
	a, err := g.Admit(Full)
	require.NoError(t, err)
	b, err := g.Admit(Full)
	require.NoError(t, err, "no budget figures: nothing to guard")
	a.Done(Reading{})
	b.Done(Reading{})
}

func TestFreeCallsAreNeverRefused(t *testing.T) {
	g, _ := newTestGuard(Config{})
	c := &crm{limit: 10}
	for ok := true; ok; ok, _ = c.call(t, g) {
	}
	tk, err := g.Admit(Cost{})
	require.NoError(t, err, "an OAuth token request is not an API call")
	tk.Done(Reading{})
}

func TestShortWindowPacesWithinTheShare(t *testing.T) {
	g, clk := newTestGuard(Config{CRM: "hubspot", ShortShare: 0.5})
	const interval = 10 * time.Second
	crmWindow := 0
	answer := func(tk *Ticket) {
		crmWindow++
		tk.Done(Reading{Short: &Count{Used: crmWindow, Limit: 100, Interval: interval}})
	}
	for i := 0; i < 50; i++ {
		tk, err := g.Admit(Full)
		require.NoError(t, err, "call %d", i)
		answer(tk)
		clk.advance(10 * time.Millisecond)
	}
	_, err := g.Admit(Full)
	r, ok := AsRefusal(err)
	require.True(t, ok)
	assert.Equal(t, Short, r.Window)
	assert.False(t, r.Paused())
	assert.Equal(t, 50, r.Line)
	assert.Equal(t, 50, r.Used)
	// The CRM's figure holds for one interval after the last answer; the first own call leaves earlier.
	assert.Equal(t, interval-10*time.Millisecond, r.RetryAfter)
	assert.Contains(t, r.Error(), "rate window")

	clk.advance(r.RetryAfter)
	crmWindow = 0 // the CRM's window moved on too
	tk, err := g.Admit(Full)
	require.NoError(t, err, "the window has room again")
	answer(tk)
}

func TestShortWindowHonoursA429RetryAfter(t *testing.T) {
	g, clk := newTestGuard(Config{CRM: "hubspot"})
	tk, err := g.Admit(Full)
	require.NoError(t, err)
	// Someone else filled the app's window: HubSpot refused this call and said when to come back.
	tk.Done(Reading{Short: &Count{Used: 100, Limit: 100, Interval: 10 * time.Second, RetryAfter: 2 * time.Second}})
	_, err = g.Admit(Full)
	r, ok := AsRefusal(err)
	require.True(t, ok)
	assert.Equal(t, 2*time.Second, r.RetryAfter, "HubSpot's Retry-After, not the whole interval")
	assert.Equal(t, 100, r.Used)
	clk.advance(2 * time.Second)
	tk, err = g.Admit(Full)
	require.NoError(t, err, "after Retry-After only the guard's own call is known to be in the window")
	tk.Done(Reading{})
}

func TestHubSpotSearchSpendsTheDayButNotTheWindow(t *testing.T) {
	g, _ := newTestGuard(Config{CRM: "hubspot", ShortShare: 0.5})
	tk, err := g.Admit(Full)
	require.NoError(t, err)
	tk.Done(Reading{Daily: &Count{Used: 1, Limit: 1000}, Short: &Count{Used: 50, Limit: 100, Interval: 10 * time.Second}})
	_, err = g.Admit(Full)
	require.Error(t, err, "the window is at its share")
	search, err := g.Admit(Cost{Daily: true})
	require.NoError(t, err, "a search is not counted in the rolling window")
	search.Done(Reading{})
}

func TestOverlappingAnswersSettleOnTheHighestFigure(t *testing.T) {
	g, _ := newTestGuard(Config{DailyShare: 0.5})
	first, err := g.Admit(Full)
	require.NoError(t, err)
	first.Done(Reading{Daily: &Count{Used: 100, Limit: 1000}})
	a, _ := g.Admit(Full)
	b, _ := g.Admit(Full)
	c, _ := g.Admit(Full)
	// The CRM counted a, b and c as 101, 102 and 103; b's answer comes first, while a and c are in flight.
	b.Done(Reading{Daily: &Count{Used: 102, Limit: 1000}})
	assert.Equal(t, 104, g.Snapshot().Daily.Used, "while calls overlap, the figure plus the calls in flight")
	c.Done(Reading{Daily: &Count{Used: 103, Limit: 1000}})
	a.Done(Reading{Daily: &Count{Used: 101, Limit: 1000}})
	assert.Equal(t, 103, g.Snapshot().Daily.Used, "once all are answered, the highest figure is the count")

	// A call whose answer carries no figure may have been counted after the highest one.
	d, _ := g.Admit(Full)
	e, _ := g.Admit(Cost{Daily: true, Blind: true})
	d.Done(Reading{Daily: &Count{Used: 104, Limit: 1000}})
	e.Done(Reading{})
	assert.Equal(t, 105, g.Snapshot().Daily.Used)
}

func TestBlindCallsNeverProbe(t *testing.T) {
	g, clk := newTestGuard(Config{DailyShare: 0.5, ProbeEvery: time.Minute})
	c := &crm{limit: 100}
	for ok := true; ok; ok, _ = c.call(t, g) {
	}
	clk.advance(time.Minute)
	_, err := g.Admit(Cost{Daily: true, Blind: true})
	require.Error(t, err, "a search could not tell whether the count fell")
	ok, _ := c.call(t, g)
	assert.True(t, ok, "an ordinary call probes")
}
