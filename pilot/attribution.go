package pilot

import (
	"slices"
	"strconv"
	"time"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/money"
)

// ScoreAttributed is Score with the window's attribution records (issue #9): revenue attributable to the
// partnership and the dispute rate then come from them (attribution.Summarize) instead of counting
// every won deal in full and every dispute event against every deal. Records count when their deal was
// won in the window (from s.Start to at) and in cfg.Currency; the others are listed in Lacking, never
// converted. A nil records is exactly Score: the figures from the deal events, with LackAttribution.
func ScoreAttributed(cfg Config, pairingID, pairingName string, s *Summary, solo Baseline, records []attribution.Record, day int, at time.Time) Scorecard {
	card := Score(cfg, pairingID, pairingName, s, solo, day, at)
	if records == nil {
		return card
	}
	if s == nil {
		s = NewSummary(1, time.Time{})
	}
	cfg = cfg.WithDefaults()
	m, notes := attributed(cfg, s, card.Metrics, records, at)
	card.Metrics = m
	card.Lacking = slices.DeleteFunc(card.Lacking, func(l string) bool { return l == LackAttribution })
	card.Lacking = append(notes, card.Lacking...)
	if card.Final {
		p := Decide(cfg, card)
		card.Proposal = &p
	}
	return card
}

// attributed replaces m's attributable revenue and dispute figures with those of the records of the
// window, and says what it had to leave out.
func attributed(cfg Config, s *Summary, m Metrics, records []attribution.Record, at time.Time) (Metrics, []string) {
	if _, err := money.Exponent(cfg.Currency); err != nil {
		return m, []string{"attribution splits: not used — " + err.Error() + "; revenue counts won co-sell deals in full"}
	}
	var in []attribution.Record
	var notes []string
	other := map[string]int{}
	var currencies []string // other's keys, sorted: a map's order never reaches a scorecard
	for _, r := range records {
		won := r.Result.WonAt
		switch {
		case won.Before(s.Start) || (!at.IsZero() && won.After(at)):
			continue // another window's
		case r.Result.Currency != cfg.Currency:
			if other[r.Result.Currency] == 0 {
				i, _ := slices.BinarySearch(currencies, r.Result.Currency)
				currencies = slices.Insert(currencies, i, r.Result.Currency)
			}
			other[r.Result.Currency]++
		default:
			in = append(in, r)
		}
	}
	for _, c := range currencies {
		notes = append(notes, "attribution: "+plural(other[c], "record", "records")+" in "+c+" left out: the scorecard is in "+cfg.Currency+" and amounts are never converted")
	}
	f, err := attribution.Summarize(cfg.Currency, in)
	if err != nil {
		return m, append(notes, "attribution splits: not used — "+err.Error()+"; revenue counts won co-sell deals in full")
	}
	m.Attributions = f.Attributions
	m.AttributableRevenue = money.Amount{Currency: cfg.Currency, Minor: f.AttributableMinor}.Major()
	m.DisputedDeals = f.Disputed
	m.OpenDisputes = f.OpenDisputes
	m.DisputeRate = ratio(float64(f.Disputed), float64(f.Attributions))
	m.DisputeHealth = DisputeHealth(m.DisputeRate)

	attributedIDs := map[string]bool{}
	for _, r := range in {
		attributedIDs[r.Result.CoSellID] = true
	}
	missing := 0
	for _, id := range s.ids() {
		if d := s.Deals[id]; d.Status == StatusWon && d.closedIn(s.Start) && !attributedIDs[id] {
			missing++
		}
	}
	if missing > 0 {
		notes = append(notes, "attribution: "+strconv.Itoa(missing)+" of "+plural(m.JointWon, "won co-sell deal", "won co-sell deals")+
			" without an attribution record; their revenue is not counted as attributable")
	}
	return m, notes
}
