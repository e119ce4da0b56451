package pilot_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pilot"
)

// fixture is a 60-day window, in event order, with the samples taken as a workflow would take them:
//
//	CS-1 registered day 0 at $100,000, raised to $120,000 on day 10, won day 20   → cycle 20 days
//	CS-2 registered day 2 at $50,000, lost (stage closed_lost) day 32            → cycle 30 days
//	CS-3 registered day 5 at $30,000, open
//	CS-4 registered day 10 with no amount, open
//	CS-5 registered day 12 at $80,000, won by stage closed_won day 52            → cycle 40 days
//	two SLA breaches (one delivered twice), one conflict, one dispute on CS-2, no touchpoint
func fixture(t *testing.T, cfg pilot.Config) *pilot.Summary {
	t.Helper()
	s := pilot.NewSummary(1, start)
	events := []pilot.DealEvent{
		ev(pilot.Registered, "CS-1", day(0), 100000, "prospecting"),
		ev(pilot.Registered, "CS-2", day(2), 50000, "prospecting"),
		ev(pilot.SLABreached, "CS-2", day(3), 0, ""),
		ev(pilot.Registered, "CS-3", day(5), 30000, "qualification"),
		ev(pilot.Registered, "CS-4", day(10), 0, "prospecting"),
		ev(pilot.StageChanged, "CS-1", day(10), 120000, "proposal"),
		ev(pilot.Registered, "CS-5", day(12), 80000, "prospecting"),
		ev(pilot.SLABreached, "CS-4", day(15), 0, ""),
		ev(pilot.SLABreached, "CS-4", day(15), 0, ""), // redelivered
		ev(pilot.Won, "CS-1", day(20), 0, ""),
		ev(pilot.Conflict, "CS-3", day(25), 0, ""),
		ev(pilot.StageChanged, "CS-2", day(32), 0, "closed_lost"),
		ev(pilot.Dispute, "CS-2", day(33), 0, ""),
		ev(pilot.StageChanged, "CS-5", day(52), 0, "closed_won"),
	}
	next := 0
	for d := 0; d <= 60; d++ {
		for next < len(events) && events[next].At.Before(day(float64(d+1))) {
			s.Apply(cfg, events[next])
			next++
		}
		s.Sample(cfg, d)
	}
	require.Equal(t, len(events), next)
	return s
}

// solo is both partners' solo deals; four closed in the window, three that do not count.
func solo() pilot.Baseline {
	return pilot.Baseline{Available: true, Deals: []pilot.SoloDeal{
		{Amount: 40000, Won: true, CreatedAt: day(-31), ClosedAt: day(14)},  // 45 days
		{Amount: 60000, Won: true, CreatedAt: day(1), ClosedAt: day(30)},    // 29 days
		{Amount: 10000, Won: false, CreatedAt: day(4), ClosedAt: day(34)},   // 30 days
		{Amount: 25000, Won: false, CreatedAt: day(9), ClosedAt: day(49)},   // 40 days
		{Amount: 99999, Won: false, CreatedAt: day(9)},                      // open: not part of the baseline
		{Amount: 99999, Won: true, CreatedAt: day(-60), ClosedAt: day(-10)}, // closed before the window
		{Amount: 99999, Won: true, CreatedAt: day(50), ClosedAt: day(70)},   // closed on day 70: after a day-60 card
	}}
}

func TestScorecardMathByHand(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := fixture(t, cfg)
	card := pilot.Score(cfg, "acme-globex", "Acme × Globex", s, solo(), 60, day(60))
	m := card.Metrics

	assert.Equal(t, 5, m.JointOpportunities) // CS-1 … CS-5
	// Win rate: 2 won (CS-1, CS-5) ÷ 3 closed (+ CS-2 lost) = 0.6667.
	assert.Equal(t, 2, m.JointWon)
	assert.Equal(t, 1, m.JointLost)
	assert.True(t, m.JointWinRate.Valid)
	assert.InDelta(t, 2.0/3, m.JointWinRate.Value, 1e-12)
	// Average won deal: (120,000 + 80,000) ÷ 2 = 100,000.
	assert.Equal(t, pilot.Ratio{Value: 100000, Valid: true}, m.JointAvgDeal)
	// Cycle: (20 + 30 + 40) ÷ 3 = 30 days.
	assert.InDelta(t, 30, m.JointCycleDays.Value, 1e-9)
	// Revenue: 120,000 + 80,000 won, in full (no attribution splits yet).
	assert.Equal(t, 200000.0, m.ClosedRevenue)
	assert.Equal(t, 200000.0, m.AttributableRevenue)
	// Open now: CS-3 (30,000) + CS-4 (no amount) = 30,000 in 2 deals.
	assert.Equal(t, 30000.0, m.PipelineValue)
	assert.Equal(t, 2, m.OpenDeals)
	// Created: 120,000 + 50,000 + 30,000 + 0 + 80,000 = 280,000.
	assert.Equal(t, 280000.0, m.PipelineCreated)
	assert.Equal(t, 2, m.SLABreaches, "the redelivered breach counts once")
	assert.Equal(t, 1, m.Conflicts)
	// Disputes: 1 disputed deal of 5 = 20 %: above 10 %, flagged.
	assert.Equal(t, pilot.Ratio{Value: 0.2, Valid: true}, m.DisputeRate)
	assert.Equal(t, pilot.Flagged, m.DisputeHealth)

	// Solo: 2 won + 2 lost in the window → 50 %; won average (40,000 + 60,000) ÷ 2 = 50,000;
	// cycle (45 + 29 + 30 + 40) ÷ 4 = 36 days.
	assert.Equal(t, 2, m.SoloWon)
	assert.Equal(t, 2, m.SoloLost)
	assert.Equal(t, pilot.Ratio{Value: 0.5, Valid: true}, m.SoloWinRate)
	assert.Equal(t, pilot.Ratio{Value: 50000, Valid: true}, m.SoloAvgDeal)
	assert.InDelta(t, 36, m.SoloCycleDays.Value, 1e-9)

	// The pipeline, sampled after each day's events: day 0 holds CS-1 (100,000); day 30 holds CS-2
	// (50,000) + CS-3 (30,000) + CS-4 (0) + CS-5 (80,000) = 160,000 in 4 deals; day 60 CS-3 + CS-4.
	require.Len(t, card.Pipeline, 61)
	assert.Equal(t, pilot.Point{Day: 0, Value: 100000}, card.Pipeline[0])
	assert.Equal(t, pilot.Point{Day: 30, Value: 160000}, card.Pipeline[30])
	assert.Equal(t, pilot.Point{Day: 60, Value: 30000}, card.Pipeline[60])
	assert.Equal(t, map[int]int{30: 4, 60: 2}, s.ActiveAt)

	assert.False(t, card.Final)
	assert.Nil(t, card.Proposal, "only the final checkpoint proposes")
	require.Len(t, card.Targets, 3)
	reg, _ := card.Target(pilot.TargetRegistrations)
	assert.Equal(t, pilot.TargetStatus{Key: "registrations", Name: "Co-sell registrations", Target: "at least 5 in 90 days",
		Actual: "5", Met: true, Measurable: true, Due: 90, State: pilot.StateMet}, reg)
	active, _ := card.Target(pilot.TargetActiveDeals)
	assert.Equal(t, pilot.TargetStatus{Key: "active_deals", Name: "Active co-sell deals on day 60", Target: "at least 3 open",
		Actual: "2 open on day 60", Met: false, Measurable: true, Due: 60, State: pilot.StateNotMet}, active)
	// Win rate: 66.7 % against solo 50 % × 1.10 = 55 %: met so far, judged on day 90.
	win, _ := card.Target(pilot.TargetWinRate)
	assert.Equal(t, pilot.TargetStatus{Key: "win_rate", Name: "Co-sell win rate against solo", Target: "at least 55.0% (solo 50.0% × 1.10)",
		Actual: "66.7%", Met: true, Measurable: true, Due: 90, State: pilot.StateOnTrack}, win)
	assert.Equal(t, 2, card.TargetsMet())

	assert.Equal(t, []string{pilot.LackAttribution, pilot.LackTouchpoints}, card.Lacking)
	assert.Equal(t, "USD", card.Currency)
	assert.Equal(t, []int{30, 60, 90}, card.Checkpoints)
}

func TestScorecardAtTheFirstCheckpoint(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := fixture(t, cfg)
	card := pilot.Score(cfg, "acme-globex", "Acme × Globex", s, solo(), 30, day(30))
	active, _ := card.Target(pilot.TargetActiveDeals)
	assert.Equal(t, "2 open now", active.Actual, "before day 60 the count of now, judged later")
	assert.Equal(t, pilot.StateBehind, active.State)
	assert.False(t, active.Met)

	// A window whose active-deals day was never sampled says so instead of guessing.
	unsampled := pilot.NewSummary(1, start)
	card = pilot.Score(cfg, "p", "P", unsampled, solo(), 60, day(60))
	active, _ = card.Target(pilot.TargetActiveDeals)
	assert.False(t, active.Measurable)
	assert.Equal(t, pilot.StateNotMeasurable, active.State)
	assert.Contains(t, active.Actual, "not sampled on day 60")
}

func TestEmptyScorecardSaysNoData(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	for name, s := range map[string]*pilot.Summary{"empty": pilot.NewSummary(1, start), "nil": nil} {
		t.Run(name, func(t *testing.T) {
			card := pilot.Score(cfg, "acme-globex", "Acme × Globex", s, pilot.Baseline{Note: "the Salesforce report is not shared"}, 90, day(90))
			m := card.Metrics
			assert.Zero(t, m.JointOpportunities)
			for _, r := range []pilot.Ratio{m.JointWinRate, m.SoloWinRate, m.JointAvgDeal, m.SoloAvgDeal, m.JointCycleDays, m.SoloCycleDays, m.DisputeRate} {
				assert.Equal(t, pilot.Ratio{}, r, "no data is an invalid ratio, not 0/0")
			}
			assert.Equal(t, pilot.NoData, m.DisputeHealth)
			assert.Zero(t, card.TargetsMet())
			win, _ := card.Target(pilot.TargetWinRate)
			assert.False(t, win.Measurable)
			assert.False(t, win.Met, "not measurable is not met")
			assert.Equal(t, "not measurable: no solo deal closed in the window", win.Actual)
			assert.Contains(t, card.Lacking, "solo baseline: not available — the Salesforce report is not shared; solo figures read no data")
			assert.Contains(t, card.Lacking, "co-sell registrations: none in this window")
			assert.Contains(t, card.Lacking, "pipeline history: no daily sample yet")
			require.NotNil(t, card.Proposal)
			assert.Equal(t, pilot.Kill, card.Proposal.Decision)

			for _, out := range []string{card.Markdown(), card.HTML()} {
				assert.NotContains(t, out, "NaN")
				assert.NotContains(t, out, "Inf")
				assert.Contains(t, out, "no data")
			}
			assert.Contains(t, card.Markdown(), "no data: the pipeline has not been sampled yet")
			assert.Contains(t, card.HTML(), "the pipeline has not been sampled yet")
		})
	}
}

func TestSoloOnlyScorecard(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	for d := 0; d <= 90; d++ {
		s.Sample(cfg, d)
	}
	card := pilot.Score(cfg, "acme-globex", "Acme × Globex", s, solo(), 90, day(90))
	m := card.Metrics
	// The solo figures are there (70-day deal now inside the window: 3 won, 2 lost) …
	// won: 40,000 + 60,000 + 99,999 = 199,999 ÷ 3 = 66,666.33; rate 3 ÷ 5 = 60 %;
	// cycle (45 + 29 + 30 + 40 + 20) ÷ 5 = 32.8 days.
	assert.Equal(t, 3, m.SoloWon)
	assert.InDelta(t, 0.6, m.SoloWinRate.Value, 1e-12)
	assert.InDelta(t, 199999.0/3, m.SoloAvgDeal.Value, 1e-9)
	assert.InDelta(t, 32.8, m.SoloCycleDays.Value, 1e-9)
	// … and co-sell has none.
	assert.False(t, m.JointWinRate.Valid)
	assert.False(t, m.JointAvgDeal.Valid)
	assert.False(t, m.JointCycleDays.Valid)
	win, _ := card.Target(pilot.TargetWinRate)
	assert.Equal(t, "not measurable: no co-sell deal closed yet (solo 60.0%)", win.Actual)
	assert.Equal(t, pilot.StateNotMeasurable, win.State)
	assert.Equal(t, pilot.Kill, card.Proposal.Decision)

	md := card.Markdown()
	assert.Contains(t, md, "| Win rate | no data | 60.0% (3 won, 2 lost) |")
	assert.Contains(t, md, "| Average deal size (won) | no data | $66,666.33 |")
	assert.Contains(t, md, "| Sales cycle (closed deals) | no data | 32.8 days |")
	assert.Contains(t, md, "closed co-sell deals: none yet")
	html := card.HTML()
	assert.NotContains(t, html, "NaN")
	assert.Contains(t, html, "$66,666.33")
	assert.Contains(t, html, ">no data</text>", "the co-sell bars say no data")
}

// The same events in any order give the same scorecard, to the last bit of every sum.
func TestScoreIsDeterministic(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	var events []pilot.DealEvent
	for i := range 200 {
		id := "CS-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		events = append(events, ev(pilot.Registered, id, day(float64(i%60)), 0.1+float64(i)*1234.567, ""))
		if i%3 == 0 {
			events = append(events, ev(pilot.Won, id, day(float64(i%60)+5), 0, ""))
		}
	}
	card := func(order []pilot.DealEvent) pilot.Scorecard {
		s := pilot.NewSummary(1, start)
		for _, e := range order {
			s.Apply(cfg, e)
		}
		s.Sample(cfg, 90)
		return pilot.Score(cfg, "p", "P", s, solo(), 90, day(90))
	}
	want := card(events)
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := append([]pilot.DealEvent(nil), events...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := card(shuffled)
		assert.Equal(t, want, got)
		assert.Equal(t, want.HTML(), got.HTML())
	}
}

func TestDisputeHealthBands(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want string
	}{{0, pilot.Healthy}, {0.049, pilot.Healthy}, {0.05, pilot.Watch}, {0.1, pilot.Watch}, {0.3 / 3, pilot.Watch}, {0.101, pilot.Flagged}} {
		assert.Equal(t, c.want, pilot.DisputeHealth(pilot.Ratio{Value: c.rate, Valid: true}), "%v", c.rate)
	}
	assert.Equal(t, pilot.NoData, pilot.DisputeHealth(pilot.Ratio{}))
}

func TestFormats(t *testing.T) {
	assert.Equal(t, "$0", pilot.Money("USD", 0))
	assert.Equal(t, "$999", pilot.Money("USD", 999))
	assert.Equal(t, "$1,000", pilot.Money("USD", 1000))
	assert.Equal(t, "$1,234,567", pilot.Money("USD", 1234567))
	assert.Equal(t, "$1,234,567.50", pilot.Money("USD", 1234567.5))
	assert.Equal(t, "$0.07", pilot.Money("USD", 0.07))
	assert.Equal(t, "€12,000", pilot.Money("EUR", 12000))
	assert.Equal(t, "CHF 12,000", pilot.Money("CHF", 12000))
	assert.Equal(t, "−$5", pilot.Money("USD", -5))
	assert.Equal(t, "43.9%", pilot.Percent(0.439))
	assert.Equal(t, "44.1%", pilot.Percent(0.441))
	assert.Equal(t, "0.0%", pilot.Percent(-0.00001))
	assert.Equal(t, "66.7%", pilot.Percent(2.0/3))
	assert.Equal(t, "1.0 day", pilot.Days(1))
	assert.Equal(t, "12.5 days", pilot.Days(12.5))
	assert.Equal(t, "12,345", pilot.Count(12345))
	for _, s := range []string{pilot.Money("USD", nan()), pilot.Percent(nan()), pilot.Days(nan())} {
		assert.Equal(t, "no data", s)
	}
}

func nan() float64 {
	var zero float64
	return zero / zero
}

func TestTargetStatesAcrossTheWindow(t *testing.T) {
	cfg := pilot.Config{}.WithDefaults()
	s := pilot.NewSummary(1, start)
	for i := range 5 {
		s.Apply(cfg, ev(pilot.Registered, "CS-"+string(rune('1'+i)), day(float64(i)), 1000, ""))
	}
	s.Sample(cfg, 30)
	card := pilot.Score(cfg, "p", "P", s, solo(), 30, day(30))
	reg, _ := card.Target(pilot.TargetRegistrations)
	assert.Equal(t, pilot.StateMet, reg.State, "registrations only add up: met early is met")
	active, _ := card.Target(pilot.TargetActiveDeals)
	assert.Equal(t, pilot.StateOnTrack, active.State, "5 open now, judged on day 60")
	assert.True(t, strings.HasPrefix(active.Actual, "5 open now"))
}
