package attribution

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/vocab"
)

// Figures are what a set of attribution records says about a pairing, for the pilot's scorecard: how
// often attributions are disputed, and how much revenue the partnership earned together.
type Figures struct {
	Currency string `json:"currency"`
	// Attributions counts the won deals attributed (one record per deal).
	Attributions int `json:"attributions"`
	// Disputed counts the attributions disputed at least once: the numerator of the dispute rate.
	Disputed     int `json:"disputed"`
	OpenDisputes int `json:"openDisputes"`
	Upheld       int `json:"upheld"`
	Rejected     int `json:"rejected"`
	// RevenueMinor sums the amounts of the deals attributed.
	RevenueMinor int64 `json:"revenueMinor"`
	// AttributableMinor sums the amounts of the deals in which both partners hold a part of the pool
	// (by the split in force): deals the partnership won together. A deal in which the evidence credits
	// one partner alone was not co-sold in fact, so its revenue is not the partnership's.
	AttributableMinor int64 `json:"attributableMinor"`
	// Credited is each partner's share of the revenue, in proportion to its part of the pool (a then b),
	// so that each partner sees the revenue its work earned.
	Credited []SideAmount `json:"credited"`
}

// SideAmount is an amount credited to one partner.
type SideAmount struct {
	Partner     vocab.Side `json:"partner"`
	AmountMinor int64      `json:"amountMinor"`
}

// DisputeRate is disputed ÷ attributions; ok is false with no attribution to divide by. The playbook:
// below 5 % healthy, above 10 % a sign the rules are unclear.
func (f Figures) DisputeRate() (rate float64, ok bool) {
	if f.Attributions == 0 {
		return 0, false
	}
	return float64(f.Disputed) / float64(f.Attributions), true
}

// Summarize computes the figures of records, all in currency: a record in another currency is refused
// with ErrCurrencyMismatch rather than added in (amounts are never converted; callers choose which
// records to pass). A deal attributed more than once (won, reopened, won again) counts by its latest
// attribution; two attributions of one deal at the same instant are an error.
func Summarize(currency string, records []Record) (Figures, error) {
	if _, err := money.Exponent(currency); err != nil {
		return Figures{}, fmt.Errorf("summarize attributions: %w", err)
	}
	latest, err := latestPerDeal(records)
	if err != nil {
		return Figures{}, err
	}
	f := Figures{Currency: currency, Credited: []SideAmount{{Partner: vocab.A}, {Partner: vocab.B}}}
	zero := money.Amount{Currency: currency}
	revenue, attributable, credited := zero, zero, [2]money.Amount{zero, zero}
	for _, r := range latest {
		res := r.Result
		if res.Currency != currency {
			return Figures{}, fmt.Errorf("summarize attributions in %s: %s is in %s: %w", currency, res.CoSellID, res.Currency, money.ErrCurrencyMismatch)
		}
		f.Attributions++
		if len(r.Disputes) > 0 {
			f.Disputed++
		}
		for _, d := range r.Disputes {
			switch {
			case d.Resolution == nil:
				f.OpenDisputes++
			case d.Resolution.Verdict == Upheld:
				f.Upheld++
			default:
				f.Rejected++
			}
		}
		amount := res.Amount()
		if revenue, err = revenue.Add(amount); err != nil {
			return Figures{}, fmt.Errorf("summarize attributions: %w", err)
		}
		parts := r.Parts()
		var a, b int64
		if p, ok := partOf(parts, vocab.A); ok {
			a = p.AmountMinor
		}
		if p, ok := partOf(parts, vocab.B); ok {
			b = p.AmountMinor
		}
		if a > 0 && b > 0 {
			if attributable, err = attributable.Add(amount); err != nil {
				return Figures{}, fmt.Errorf("summarize attributions: %w", err)
			}
		}
		if a+b == 0 {
			continue // a deal of amount 0, or a pool of 0: nothing to credit
		}
		priority := []int{0, 1}
		if res.Registrant == vocab.B {
			priority = []int{1, 0}
		}
		shares, err := money.Allocate(res.AmountMinor, []int64{a, b}, priority)
		if err != nil {
			return Figures{}, fmt.Errorf("summarize attributions: %s: %w", res.CoSellID, err)
		}
		for i := range credited {
			if credited[i], err = credited[i].Add(money.Amount{Currency: currency, Minor: shares[i]}); err != nil {
				return Figures{}, fmt.Errorf("summarize attributions: %w", err)
			}
		}
	}
	f.RevenueMinor, f.AttributableMinor = revenue.Minor, attributable.Minor
	for i := range f.Credited {
		f.Credited[i].AmountMinor = credited[i].Minor
	}
	return f, nil
}

// latestPerDeal keeps the latest attribution of each deal, in co-sell id order.
func latestPerDeal(records []Record) ([]Record, error) {
	byID := map[string]Record{}
	var ids []string
	for _, r := range records {
		id := r.Result.CoSellID
		prev, seen := byID[id]
		switch {
		case !seen:
			ids = append(ids, id)
			byID[id] = r
		case r.Result.WonAt.Equal(prev.Result.WonAt):
			return nil, fmt.Errorf("summarize attributions: %s is attributed twice at %s", id, stamp(r.Result.WonAt))
		case r.Result.WonAt.After(prev.Result.WonAt):
			byID[id] = r
		}
	}
	slices.SortFunc(ids, strings.Compare)
	out := make([]Record, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

func partOf(parts []Part, s vocab.Side) (Part, bool) {
	for _, p := range parts {
		if p.Partner == s {
			return p, true
		}
	}
	return Part{}, false
}

// Keep folds a deal's newest record into a list of records, one per deal (in co-sell id order): the
// pilot keeps what its deals report, and reports may arrive twice or out of order. Of two records of
// one deal, the later attribution stands (won, reopened, won again); of one attribution, the record
// with more of its dispute history (more disputes, then more of them resolved), since a dispute trail
// only grows.
func Keep(records []Record, r Record) []Record {
	id := r.Result.CoSellID
	i, found := slices.BinarySearchFunc(records, id, func(x Record, id string) int { return strings.Compare(x.Result.CoSellID, id) })
	if !found {
		return slices.Insert(slices.Clone(records), i, r)
	}
	if !supersedes(r, records[i]) {
		return records
	}
	out := slices.Clone(records)
	out[i] = r
	return out
}

func supersedes(x, y Record) bool {
	if !x.Result.WonAt.Equal(y.Result.WonAt) {
		return x.Result.WonAt.After(y.Result.WonAt)
	}
	if len(x.Disputes) != len(y.Disputes) {
		return len(x.Disputes) > len(y.Disputes)
	}
	return resolved(x) > resolved(y)
}

func resolved(r Record) int {
	n := 0
	for _, d := range r.Disputes {
		if d.Resolution != nil {
			n++
		}
	}
	return n
}
