package pilot

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Target keys, stable names for code reading Scorecard.Targets (Decide does).
const (
	TargetRegistrations = "registrations"
	TargetActiveDeals   = "active_deals"
	TargetWinRate       = "win_rate"
)

// Target states, as a scorecard shows them.
const (
	StateMet           = "met"
	StateNotMet        = "not met"
	StateOnTrack       = "on track" // met so far, judged on its due day
	StateBehind        = "behind"   // not met so far, judged on its due day
	StateNotMeasurable = "not measurable"
)

// TargetStatus is one target on a scorecard, already worded for people.
type TargetStatus struct {
	// Key is TargetRegistrations, TargetActiveDeals or TargetWinRate.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Target and Actual are the goal and the figure as a scorecard prints them.
	Target string `json:"target"`
	Actual string `json:"actual"`
	// Met is whether the figure reaches the goal as of this scorecard. A target that is not measurable
	// is not met.
	Met        bool `json:"met"`
	Measurable bool `json:"measurable"`
	// Due is the pilot day the target is judged on; before it, State says "on track" or "behind".
	Due   int    `json:"due"`
	State string `json:"state"`
}

// Scorecard is what a pilot publishes at a checkpoint: its metrics, its targets, what it lacks to be
// complete, its pipeline over time, and on the last checkpoint the proposed decision.
type Scorecard struct {
	PairingID   string    `json:"pairingId"`
	PairingName string    `json:"pairingName"`
	Quarter     int       `json:"quarter"`
	Day         int       `json:"day"`
	At          time.Time `json:"at"`
	// Final marks the decision checkpoint (the last one).
	Final bool `json:"final"`
	// Length and Checkpoints are the window's plan, and Currency the code amounts are in, so that the
	// card renders on its own.
	Length      int    `json:"length"`
	Checkpoints []int  `json:"checkpoints"`
	Currency    string `json:"currency"`

	Metrics Metrics        `json:"metrics"`
	Targets []TargetStatus `json:"targets"`
	// Lacking lists the inputs the scorecard had to do without, one line each.
	Lacking  []string `json:"lacking"`
	Pipeline []Point  `json:"pipeline"`
	// Proposal is the decision table's proposal, on the final checkpoint only.
	Proposal *Proposal `json:"proposal,omitempty"`
}

// Lacking lines that do not depend on the data.
const (
	LackAttribution = "attribution splits: not available yet — revenue counts won co-sell deals in full"
	LackTouchpoints = "touchpoints: none recorded"
)

// Score builds the scorecard of pilot day day (normally a checkpoint), as of at. On the last checkpoint
// (or after it) the card is Final and carries Decide's proposal. It never fails: what is missing reads
// "no data" and is listed in Lacking.
func Score(cfg Config, pairingID, pairingName string, s *Summary, solo Baseline, day int, at time.Time) Scorecard {
	cfg = cfg.WithDefaults()
	if s == nil {
		s = NewSummary(1, time.Time{})
	}
	m := Measure(cfg, s, solo, at)
	card := Scorecard{
		PairingID: pairingID, PairingName: pairingName, Quarter: s.Quarter, Day: day, At: at,
		Final: cfg.Final(day), Length: cfg.Length, Checkpoints: slices.Clone(cfg.Checkpoints), Currency: cfg.Currency,
		Metrics: m, Pipeline: slices.Clone(s.Pipeline),
	}
	card.Targets = targets(cfg, s, m, day)
	card.Lacking = lacking(s, solo, m)
	if card.Final {
		p := Decide(cfg, card)
		card.Proposal = &p
	}
	return card
}

// targets judges the window against cfg's targets as of day.
func targets(cfg Config, s *Summary, m Metrics, day int) []TargetStatus {
	t := cfg.Targets
	reg := TargetStatus{
		Key: TargetRegistrations, Name: "Co-sell registrations",
		Target: "at least " + Count(t.Registrations) + " in " + Count(cfg.Length) + " days",
		Actual: Count(m.JointOpportunities), Met: m.JointOpportunities >= t.Registrations, Measurable: true, Due: cfg.Length,
	}
	// Registrations only add up: once reached, the target stays met.
	reg.State = state(reg, day, true)

	active := TargetStatus{
		Key: TargetActiveDeals, Name: "Active co-sell deals on day " + strconv.Itoa(t.ActiveDealsDay),
		Target: "at least " + Count(t.ActiveDeals) + " open", Measurable: true, Due: t.ActiveDealsDay,
	}
	if day >= t.ActiveDealsDay {
		if n, ok := s.ActiveAt[t.ActiveDealsDay]; ok {
			active.Actual = Count(n) + " open on day " + strconv.Itoa(t.ActiveDealsDay)
			active.Met = n >= t.ActiveDeals
		} else {
			active.Measurable = false
			active.Actual = "not measurable: the pipeline was not sampled on day " + strconv.Itoa(t.ActiveDealsDay)
		}
	} else {
		active.Actual = Count(m.OpenDeals) + " open now"
		active.Met = m.OpenDeals >= t.ActiveDeals
	}
	active.State = state(active, day, false)

	win := TargetStatus{
		Key: TargetWinRate, Name: "Co-sell win rate against solo",
		Target: "solo × " + factor(t.WinRateUplift) + " (" + Percent(t.WinRateUplift) + " above solo)",
		Due:    cfg.Length,
	}
	switch {
	case m.SoloWon+m.SoloLost == 0:
		win.Actual = "not measurable: no solo deal closed in the window"
		if m.JointWinRate.Valid {
			win.Actual = percentOf(m.JointWinRate) + " co-sell; " + win.Actual
		}
	case !m.JointWinRate.Valid:
		win.Actual = "not measurable: no co-sell deal closed yet (solo " + percentOf(m.SoloWinRate) + ")"
	default:
		win.Measurable = true
		need := m.SoloWinRate.Value * (1 + t.WinRateUplift)
		win.Target = "at least " + Percent(need) + " (solo " + percentOf(m.SoloWinRate) + " × " + factor(t.WinRateUplift) + ")"
		win.Actual = percentOf(m.JointWinRate)
		// With no solo win, any uplift of 0 % is 0 %: the target then asks for at least one co-sell win.
		win.Met = m.JointWinRate.Value >= need-eps && (m.SoloWinRate.Value > 0 || m.JointWinRate.Value > 0)
	}
	win.State = state(win, day, false)
	return []TargetStatus{reg, active, win}
}

// state words a target's standing on day; cumulative targets are met for good once met.
func state(t TargetStatus, day int, cumulative bool) string {
	switch {
	case !t.Measurable:
		return StateNotMeasurable
	case t.Met && (cumulative || day >= t.Due):
		return StateMet
	case t.Met:
		return StateOnTrack
	case day >= t.Due:
		return StateNotMet
	}
	return StateBehind
}

// lacking lists the inputs a scorecard had to do without.
func lacking(s *Summary, solo Baseline, m Metrics) []string {
	out := []string{LackAttribution}
	if s.Seen[Touchpoint] == 0 {
		out = append(out, LackTouchpoints)
	}
	switch {
	case !solo.Available:
		note := solo.Note
		if note == "" {
			note = "not read"
		}
		out = append(out, "solo baseline: not available — "+note+"; solo figures read no data")
	case m.SoloWon+m.SoloLost == 0:
		out = append(out, "solo baseline: no solo deal closed in the window; solo figures read no data")
	}
	if m.JointOpportunities == 0 {
		out = append(out, "co-sell registrations: none in this window")
	}
	if m.JointWon+m.JointLost == 0 {
		out = append(out, "closed co-sell deals: none yet; co-sell win rate, deal size and cycle read no data")
	}
	if len(s.Pipeline) == 0 {
		out = append(out, "pipeline history: no daily sample yet")
	}
	return out
}

// Target returns the card's target with the given key.
func (c Scorecard) Target(key string) (TargetStatus, bool) {
	for _, t := range c.Targets {
		if t.Key == key {
			return t, true
		}
	}
	return TargetStatus{}, false
}

// TargetsMet counts the targets met, for the gauge.
func (c Scorecard) TargetsMet() int {
	n := 0
	for _, t := range c.Targets {
		if t.Met {
			n++
		}
	}
	return n
}

// factor writes 1 + uplift with at least two decimals: 0.1 is "1.10".
func factor(uplift float64) string {
	s := strconv.FormatFloat(1+uplift, 'f', -1, 64)
	switch i := strings.IndexByte(s, '.'); {
	case i < 0:
		return s + ".00"
	case len(s)-i == 2:
		return s + "0"
	}
	return s
}
