package pilot_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pilot"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// day is the instant pilot day n begins, with a 24-hour day.
func day(n float64) time.Time { return start.Add(time.Duration(n * float64(24*time.Hour))) }

func ev(kind pilot.EventKind, id string, at time.Time, amount float64, stage string) pilot.DealEvent {
	return pilot.DealEvent{Kind: kind, CoSellID: id, At: at, Amount: amount, Stage: stage, Side: "a"}
}

// history is a small window in event order: two deals won (one by event, one by stage), one lost, one
// reopened, counters with a redelivered breach.
func history() []pilot.DealEvent {
	return []pilot.DealEvent{
		ev(pilot.Registered, "CS-1", day(0), 100000, "prospecting"),
		ev(pilot.Accepted, "CS-1", day(1), 0, ""),
		ev(pilot.Registered, "CS-2", day(2), 50000, "prospecting"),
		ev(pilot.SLABreached, "CS-2", day(3), 0, ""),
		ev(pilot.SLABreached, "CS-2", day(3), 0, ""), // redelivered
		ev(pilot.StageChanged, "CS-1", day(10), 120000, "proposal"),
		ev(pilot.Won, "CS-1", day(20), 0, "closed_won"),
		ev(pilot.StageChanged, "CS-2", day(32), 0, "closed_lost"),
		ev(pilot.Conflict, "CS-2", day(33), 0, ""),
	}
}

func TestApplyFoldsADealsLife(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	for _, e := range history() {
		s.Apply(cfg, e)
	}
	require.Len(t, s.Deals, 2)
	d1 := s.Deals["CS-1"]
	assert.Equal(t, pilot.StatusWon, d1.Status)
	assert.Equal(t, 120000.0, d1.Amount, "a won event without an amount keeps the known one")
	assert.Equal(t, "closed_won", d1.Stage)
	assert.True(t, d1.Accepted)
	assert.Equal(t, day(20), d1.ClosedAt)
	assert.Equal(t, 20.0, d1.CycleDays)

	d2 := s.Deals["CS-2"]
	assert.Equal(t, pilot.StatusLost, d2.Status, "a lost stage closes the deal")
	assert.Equal(t, 30.0, d2.CycleDays)
	assert.Equal(t, 1, s.Breaches, "the redelivered breach counts once")
	assert.Equal(t, 1, s.Conflicts)
	assert.Equal(t, 2, s.Seen[pilot.Registered])
	assert.Zero(t, s.Seen[pilot.Touchpoint])
}

func TestApplyIsIdempotent(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	once := pilot.NewSummary(1, start)
	for _, e := range history() {
		once.Apply(cfg, e)
	}
	twice := pilot.NewSummary(1, start)
	for _, e := range history() {
		twice.Apply(cfg, e)
		twice.Apply(cfg, e)
	}
	assert.Equal(t, once, twice, "every event delivered twice in a row")

	again := pilot.NewSummary(1, start)
	for _, e := range history() {
		again.Apply(cfg, e)
	}
	for _, e := range history() {
		again.Apply(cfg, e)
	}
	assert.Equal(t, once, again, "the whole history redelivered after the fact")

	// Redelivered in reverse: the newest event still decides stage, status and amount.
	reverse := pilot.NewSummary(1, start)
	h := history()
	for i := len(h) - 1; i >= 0; i-- {
		reverse.Apply(cfg, h[i])
	}
	for _, id := range []string{"CS-1", "CS-2"} {
		want, got := *once.Deals[id], *reverse.Deals[id]
		assert.Equal(t, want.Status, got.Status, id)
		assert.Equal(t, want.Amount, got.Amount, id)
		assert.Equal(t, want.Stage, got.Stage, id)
		assert.Equal(t, want.ClosedAt, got.ClosedAt, id)
		assert.Equal(t, want.RegisteredAt, got.RegisteredAt, id)
		assert.Equal(t, want.CycleDays, got.CycleDays, id)
	}
	assert.Equal(t, once.Breaches, reverse.Breaches)
	assert.Equal(t, once.Conflicts, reverse.Conflicts)
}

func TestApplyOrderAndReopening(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	s.Apply(cfg, ev(pilot.Won, "CS-1", day(20), 90000, "closed_won"))
	s.Apply(cfg, ev(pilot.StageChanged, "CS-1", day(15), 10, "proposal")) // older, late
	d := s.Deals["CS-1"]
	assert.Equal(t, pilot.StatusWon, d.Status, "a late older event does not reopen the deal")
	assert.Equal(t, 90000.0, d.Amount)
	assert.Zero(t, d.CycleDays, "no registration seen yet")

	s.Apply(cfg, ev(pilot.Registered, "CS-1", day(5), 0, ""))
	assert.Equal(t, 15.0, d.CycleDays, "the cycle settles when the registration arrives last")
	assert.Equal(t, "closed_won", d.Stage, "an older registration does not move the stage back")

	s.Apply(cfg, ev(pilot.StageChanged, "CS-1", day(25), 0, "negotiation"))
	assert.Equal(t, pilot.StatusOpen, d.Status, "a newer open stage reopens it")
	assert.True(t, d.ClosedAt.IsZero())
	assert.Zero(t, d.CycleDays)

	s.Apply(cfg, ev(pilot.StageChanged, "CS-1", day(30), 0, "Closed_Lost"))
	assert.Equal(t, pilot.StatusLost, d.Status, "stages compare without regard to case")
	assert.Equal(t, 25.0, d.CycleDays)

	// Custom stages close deals too.
	custom := pilot.Config{WonStages: []string{"signed"}, LostStages: []string{"dropped"}}.WithDefaults()
	s.Apply(custom, ev(pilot.StageChanged, "CS-2", day(3), 5, "signed"))
	assert.Equal(t, pilot.StatusWon, s.Deals["CS-2"].Status)
	s.Apply(custom, ev(pilot.StageChanged, "CS-3", day(3), 5, "closed_won"))
	assert.Equal(t, pilot.StatusOpen, s.Deals["CS-3"].Status, "closed_won is not a won stage of this pairing")
}

func TestApplyIgnoresWhatItCannotUse(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	s.Apply(cfg, ev(pilot.Registered, "CS-1", day(1), 1000, ""))
	s.Apply(cfg, ev(pilot.StageChanged, "CS-1", day(2), math.NaN(), "qualification"))
	s.Apply(cfg, ev(pilot.StageChanged, "CS-1", day(3), math.Inf(1), ""))
	s.Apply(cfg, ev(pilot.StageChanged, "CS-1", day(4), -5, ""))
	assert.Equal(t, 1000.0, s.Deals["CS-1"].Amount, "NaN, infinite and negative amounts are not amounts")
	s.Apply(cfg, ev("exploded", "CS-1", day(5), 0, ""))
	s.Apply(cfg, ev(pilot.Registered, "", day(5), 10, ""))
	assert.Len(t, s.Deals, 1)
	var nilSummary *pilot.Summary
	nilSummary.Apply(cfg, ev(pilot.Registered, "CS-1", day(1), 1, "")) // no panic
	nilSummary.Sample(cfg, 1)

	// A dispute without a deal still counts; a summary decoded without maps still works.
	var bare pilot.Summary
	bare.Apply(cfg, pilot.DealEvent{Kind: pilot.Dispute, At: day(1)})
	assert.Equal(t, 1, bare.Disputes)
}

func TestSample(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	s.Apply(cfg, ev(pilot.Registered, "CS-1", day(0), 1000, ""))
	s.Apply(cfg, ev(pilot.Registered, "CS-2", day(0), 2500.5, ""))
	s.Sample(cfg, 1)
	s.Sample(cfg, 30)
	s.Apply(cfg, ev(pilot.Won, "CS-1", day(31), 0, ""))
	s.Sample(cfg, 31)
	s.Sample(cfg, 31) // again: replaces, does not add
	s.Sample(cfg, 0)  // late: inserted in place, with the value of now
	s.Sample(cfg, -1) // ignored
	assert.Equal(t, []pilot.Point{{0, 2500.5}, {1, 3500.5}, {30, 3500.5}, {31, 2500.5}}, s.Pipeline)
	assert.Equal(t, map[int]int{30: 2}, s.ActiveAt, "open deals are kept for checkpoint days and the active-deals day only")
	s.Sample(cfg, 60)
	assert.Equal(t, 1, s.ActiveAt[60])
}

func TestSummarySurvivesJSON(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	h := history()
	for _, e := range h[:5] {
		s.Apply(cfg, e)
	}
	s.Sample(cfg, 30)
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var back pilot.Summary
	require.NoError(t, json.Unmarshal(data, &back))
	for _, e := range h { // the carried state is redelivered the first events too
		back.Apply(cfg, e)
		s.Apply(cfg, e)
	}
	assert.Equal(t, s, &back, "continue-as-new carries the summary without losing or doubling anything")
	assert.Less(t, len(data), 2000, "compact: %s", data)
}

func TestNextCarriesOpenDeals(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	for _, e := range history() {
		s.Apply(cfg, e)
	}
	s.Apply(cfg, ev(pilot.Registered, "CS-3", day(40), 7000, ""))
	s.Apply(cfg, ev(pilot.Dispute, "CS-3", day(41), 0, ""))
	n := s.Next(day(90))
	assert.Equal(t, 2, n.Quarter)
	assert.Equal(t, day(90), n.Start)
	require.Len(t, n.Deals, 1, "closed deals stay in their window")
	assert.Equal(t, day(40), n.Deals["CS-3"].RegisteredAt)
	assert.Zero(t, n.Deals["CS-3"].Disputes)
	assert.Zero(t, n.Breaches)
	m := pilot.Measure(cfg, n, pilot.Baseline{}, day(100))
	assert.Zero(t, m.JointOpportunities, "a carried deal is not the new window's registration")
	assert.Equal(t, 7000.0, m.PipelineValue, "but it is still pipeline")
}
