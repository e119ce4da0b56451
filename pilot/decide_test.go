package pilot_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/pilot"
)

// window runs a 90-day window: n deals registered on days 1…n (modulo 30) at amount each, the first won
// of them won on day 40 and the next lost of them lost on day 41, a sample every day; it returns the
// final scorecard.
func window(t *testing.T, cfg pilot.Config, n int, amount float64, won, lost int, baseline pilot.Baseline) pilot.Scorecard {
	t.Helper()
	cfg = cfg.WithDefaults()
	s := pilot.NewSummary(1, start)
	for d := 0; d <= 90; d++ {
		for i := range n {
			id := "CS-" + strconv.Itoa(i)
			switch {
			case 1+i%30 == d:
				s.Apply(cfg, ev(pilot.Registered, id, day(float64(d)), amount, "prospecting"))
			case d == 40 && i < won:
				s.Apply(cfg, ev(pilot.Won, id, day(40), 0, ""))
			case d == 41 && i >= won && i < won+lost:
				s.Apply(cfg, ev(pilot.Lost, id, day(41), 0, ""))
			}
		}
		s.Sample(cfg, d)
	}
	card := pilot.Score(cfg, "acme-globex", "Acme × Globex", s, baseline, 90, day(90))
	require.True(t, card.Final)
	require.NotNil(t, card.Proposal)
	return card
}

// soloRate is a baseline of won solo wins out of closed solo deals.
func soloRate(won, closed int) pilot.Baseline {
	b := pilot.Baseline{Available: true}
	for i := range closed {
		b.Deals = append(b.Deals, pilot.SoloDeal{Amount: 1000, Won: i < won, CreatedAt: day(1), ClosedAt: day(50)})
	}
	return b
}

func TestDecideRegistrationTarget(t *testing.T) {
	cfg := pilot.Config{}
	// 4 registrations at $10,000, one won: pipeline and revenue, but 4 < 5.
	card := window(t, cfg, 4, 10000, 1, 0, soloRate(1, 2))
	assert.Equal(t, pilot.Restructure, card.Proposal.Decision)
	assert.Contains(t, card.Proposal.Reasons, "scale › needs_registration_target not met: 4 registrations, below the target of 5")
	assert.Contains(t, card.Proposal.Reasons, "scale › needs_pipeline met: $40,000 of pipeline from 4 registered co-sell deals")
	assert.Contains(t, card.Proposal.Reasons, "scale › needs_revenue met: $10,000 closed won on 1 co-sell deal")
	assert.Contains(t, card.Proposal.Reasons[len(card.Proposal.Reasons)-1], "within 14 days")

	// 5 registrations: every scale rule holds.
	card = window(t, cfg, 5, 10000, 1, 0, soloRate(1, 2))
	assert.Equal(t, pilot.Scale, card.Proposal.Decision)
	assert.Equal(t, []string{
		"scale › needs_pipeline met: $50,000 of pipeline from 5 registered co-sell deals",
		"scale › needs_revenue met: $10,000 closed won on 1 co-sell deal",
		"scale › needs_registration_target met: 5 registrations against a target of 5",
	}, card.Proposal.Reasons)
}

func TestDecideActiveDealsAtDay60(t *testing.T) {
	// 5 registered, 3 won on day 40: 2 open on day 60. 2 won: 3 open.
	two := window(t, pilot.Config{}, 5, 10000, 3, 0, soloRate(1, 2))
	three := window(t, pilot.Config{}, 5, 10000, 2, 0, soloRate(1, 2))
	a2, _ := two.Target(pilot.TargetActiveDeals)
	a3, _ := three.Target(pilot.TargetActiveDeals)
	assert.Equal(t, "2 open on day 60", a2.Actual)
	assert.False(t, a2.Met)
	assert.Equal(t, pilot.StateNotMet, a2.State)
	assert.Equal(t, "3 open on day 60", a3.Actual)
	assert.True(t, a3.Met)
	assert.Equal(t, pilot.StateMet, a3.State)
	assert.Equal(t, pilot.Scale, two.Proposal.Decision, "the playbook's table does not look at active deals")
	assert.Equal(t, pilot.Scale, three.Proposal.Decision)

	strict := pilot.Config{Rules: pilot.DefaultRules()}
	strict.Rules.ScaleNeedsActiveDealsTarget = true
	two = window(t, strict, 5, 10000, 3, 0, soloRate(1, 2))
	three = window(t, strict, 5, 10000, 2, 0, soloRate(1, 2))
	assert.Equal(t, pilot.Restructure, two.Proposal.Decision)
	assert.Contains(t, two.Proposal.Reasons, "scale › needs_active_deals_target not met: 2 open on day 60 against at least 3 open")
	assert.Equal(t, pilot.Scale, three.Proposal.Decision)
	assert.Contains(t, three.Proposal.Reasons, "scale › needs_active_deals_target met: 3 open on day 60 against at least 3 open")
}

func TestDecideWinRateUplift(t *testing.T) {
	// Solo wins 40 of 100: the target is 40 % × 1.10 = 44 %. Co-sell closes 1,000 deals.
	baseline := soloRate(40, 100)
	cases := []struct {
		won  int
		rate string
		met  bool
	}{
		{439, "43.9%", false}, // just below
		{440, "44.0%", true},  // exactly on it: "at least", despite 0.4 × 1.1 = 0.44000000000000006
		{441, "44.1%", true},  // just above
	}
	strict := pilot.Config{Rules: pilot.DefaultRules()}
	strict.Rules.ScaleNeedsWinRateTarget = true
	for _, c := range cases {
		t.Run(c.rate, func(t *testing.T) {
			card := window(t, pilot.Config{}, 1000, 1000, c.won, 1000-c.won, baseline)
			win, _ := card.Target(pilot.TargetWinRate)
			assert.Equal(t, c.rate, win.Actual)
			assert.Equal(t, "at least 44.0% (solo 40.0% × 1.10)", win.Target)
			assert.True(t, win.Measurable)
			assert.Equal(t, c.met, win.Met)
			assert.Equal(t, pilot.Scale, card.Proposal.Decision, "the playbook's table does not look at the win rate")

			card = window(t, strict, 1000, 1000, c.won, 1000-c.won, baseline)
			if c.met {
				assert.Equal(t, pilot.Scale, card.Proposal.Decision)
			} else {
				assert.Equal(t, pilot.Restructure, card.Proposal.Decision)
				assert.Contains(t, card.Proposal.Reasons, "scale › needs_win_rate_target not met: 43.9% against at least 44.0% (solo 40.0% × 1.10)")
			}
		})
	}

	// No solo deal closed: not measurable, so not met — and a rule needing it cannot scale.
	card := window(t, strict, 10, 1000, 5, 5, pilot.Baseline{Available: true})
	win, _ := card.Target(pilot.TargetWinRate)
	assert.False(t, win.Measurable)
	assert.Equal(t, "50.0% co-sell; not measurable: no solo deal closed in the window", win.Actual)
	assert.Equal(t, pilot.Restructure, card.Proposal.Decision)

	// Solo never wins: the relative target reduces to one co-sell win at least.
	card = window(t, pilot.Config{}, 10, 1000, 0, 10, soloRate(0, 10))
	win, _ = card.Target(pilot.TargetWinRate)
	assert.False(t, win.Met, "0 % is not an uplift on 0 %")
	card = window(t, pilot.Config{}, 10, 1000, 1, 9, soloRate(0, 10))
	win, _ = card.Target(pilot.TargetWinRate)
	assert.True(t, win.Met)
}

func TestDecideKill(t *testing.T) {
	card := window(t, pilot.Config{}, 0, 0, 0, 0, soloRate(1, 2))
	assert.Equal(t, pilot.Kill, card.Proposal.Decision)
	assert.Equal(t, []string{
		"kill › without_registrations: no co-sell deal was registered in the 90-day window",
		"kill › without_pipeline: no pipeline: nothing was registered in the 90-day window",
	}, card.Proposal.Reasons)

	// Registrations, but not one with an amount: no pipeline. A win without an amount changes nothing.
	card = window(t, pilot.Config{}, 6, 0, 1, 0, soloRate(1, 2))
	assert.Equal(t, pilot.Kill, card.Proposal.Decision)
	assert.Equal(t, []string{"kill › without_pipeline: no pipeline: the 6 co-sell deals registered in the window carry no amount"}, card.Proposal.Reasons)

	// Kill rules switched off: nothing produced is left to a human.
	cfg := pilot.Config{Rules: pilot.Rules{ScaleNeedsPipeline: true}}
	card = window(t, cfg, 0, 0, 0, 0, soloRate(1, 2))
	assert.Equal(t, pilot.Restructure, card.Proposal.Decision)
	assert.Contains(t, card.Proposal.Reasons, "scale › needs_pipeline not met: no co-sell deal registered in the window has an amount")
}

func TestDecideRestructureInBetween(t *testing.T) {
	// 6 registrations with pipeline, none won yet: produced something, not enough to scale.
	card := window(t, pilot.Config{}, 6, 25000, 0, 2, soloRate(1, 2))
	assert.Equal(t, pilot.Restructure, card.Proposal.Decision)
	assert.Equal(t, []string{
		"scale › needs_revenue not met: no co-sell deal was won in the window",
		"scale › needs_pipeline met: $150,000 of pipeline from 6 registered co-sell deals",
		"scale › needs_registration_target met: 6 registrations against a target of 5",
		"restructure needs a human: an approver confirms it, or chooses scale or kill, within 14 days",
	}, card.Proposal.Reasons)

	// Won deals without an amount are no revenue.
	s := pilot.NewSummary(1, start)
	cfg := pilot.Config{}.WithDefaults()
	for i := range 5 {
		id := "CS-" + strconv.Itoa(i)
		s.Apply(cfg, ev(pilot.Registered, id, day(1), 0, ""))
		if i == 0 {
			s.Apply(cfg, ev(pilot.StageChanged, id, day(2), 5000, "proposal")) // pipeline, then the amount is cleared in a win
		}
		s.Apply(cfg, ev(pilot.Won, id, day(3), 0, ""))
	}
	s.Deals["CS-0"].Amount = 0 // as a CRM that zeroes amounts on close would leave it
	s.Deals["CS-1"].Amount = 7000
	s.Deals["CS-1"].Status = pilot.StatusOpen
	card = pilot.Score(cfg, "p", "P", s, soloRate(1, 2), 90, day(90))
	assert.Equal(t, pilot.Restructure, card.Proposal.Decision)
	assert.Contains(t, card.Proposal.Reasons, "scale › needs_revenue not met: 4 co-sell deals were won, with no amount")
}

func TestDecideWithoutScaleRules(t *testing.T) {
	cfg := pilot.Config{Rules: pilot.Rules{KillWithoutRegistrations: true}}
	card := window(t, cfg, 1, 10, 0, 0, pilot.Baseline{})
	assert.Equal(t, pilot.Scale, card.Proposal.Decision)
	assert.Equal(t, []string{"no kill rule fired and no scale rule is on"}, card.Proposal.Reasons)
}

// A stored scorecard decides the same way: Decide reads only the card.
func TestDecideFromAStoredCard(t *testing.T) {
	card := window(t, pilot.Config{}, 4, 10000, 1, 0, soloRate(1, 2))
	data, err := json.Marshal(card)
	require.NoError(t, err)
	var back pilot.Scorecard
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, *card.Proposal, pilot.Decide(pilot.Config{}, back))
}
