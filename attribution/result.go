package attribution

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/vocab"
)

// Result is a deal's attribution at close-won: the pool, each partner's part, and the calculation
// behind every amount. It is what is written to both CRMs (fields and a note), kept as the audit trail,
// and printed by `cosell deal attribution --output json`.
type Result struct {
	CoSellID string `json:"coSellId"`
	// Currency is the ISO 4217 code of every amount in the result.
	Currency    string `json:"currency"`
	AmountMinor int64  `json:"amountMinor"`
	PoolMinor   int64  `json:"poolMinor"`
	// PoolRate is the rate the pool was computed at, and Pool which one it was.
	PoolRate money.Rate `json:"poolRateBp"`
	Pool     PoolKind   `json:"pool"`
	// Parts are both partners' parts, a then b, summing to PoolMinor exactly.
	Parts      []Part        `json:"parts"`
	Model      cosell.Model  `json:"model"`
	Motion     cosell.Motion `json:"motion"`
	Vendor     vocab.Side    `json:"vendor"`
	Registrant vocab.Side    `json:"registrant"`
	WonAt      time.Time     `json:"wonAt"`
	// Awards say who earned each role and why.
	Awards []Award `json:"awards"`
	// Calculation is the whole computation in sentences, one per line: the CRM note.
	Calculation []string `json:"calculation"`
}

// Part is one partner's part of the pool.
type Part struct {
	// Partner is the side, "a" or "b".
	Partner vocab.Side `json:"partner"`
	// Roles are the roles it earned, in Roles order; empty when none.
	Roles       []Role `json:"roles"`
	AmountMinor int64  `json:"amountMinor"`
	// Calculation says how its amount was reached.
	Calculation []string `json:"calculation,omitempty"`
}

// Part returns the part of side s.
func (r Result) Part(s vocab.Side) (Part, bool) { return partOf(r.Parts, s) }

// Amount is the deal amount as money.
func (r Result) Amount() money.Amount {
	return money.Amount{Currency: r.Currency, Minor: r.AmountMinor}
}

// PoolAmount is the pool as money.
func (r Result) PoolAmount() money.Amount {
	return money.Amount{Currency: r.Currency, Minor: r.PoolMinor}
}

// Note is the calculation as the text of a CRM note.
func (r Result) Note() string { return strings.Join(r.Calculation, "\n") }

// explain writes the calculation lines of the result and of each part.
func (r *Result) explain(d Deal, pool money.Amount, weights []int64, total int64, n namer) {
	pl := d.Plan
	vendor := ", " + n.of(pl.Vendor) + " plays the vendor"
	if pl.Model == cosell.TrueCoSell {
		vendor = "" // every stage is joint: who is the vendor changes nothing
	}
	lines := []string{
		fmt.Sprintf("Attribution of %s, won %s: %s; %s, %s%s.", r.CoSellID, r.WonAt.UTC().Format("2006-01-02"),
			d.Amount, words(string(pl.Model)), words(string(pl.Motion)), vendor),
	}
	why := map[PoolKind]string{
		SoloPool:       "only one partner earned a role, so the solo rate",
		CoSellPool:     "both partners earned a role, so the co-sell rate",
		TrueCoSellPool: "both partners earned a role on a true co-sell deal, so the true co-sell rate",
	}[r.Pool]
	lines = append(lines, fmt.Sprintf("Commission pool: %s of %s = %s (%s).", r.PoolRate, d.Amount, pool, why))
	held := money.Rate(0)
	for _, a := range r.Awards {
		who := "nobody"
		if len(a.Holders) > 0 {
			names := make([]string, len(a.Holders))
			for i, s := range a.Holders {
				names[i] = n.of(s)
			}
			who = list(names)
			held += a.Rate
			if len(a.Holders) > 1 {
				who += ", " + money.HalfRate(a.Rate) + " each"
			}
		}
		lines = append(lines, fmt.Sprintf("%s %s: %s — %s.", upper(words(string(a.Role))), a.Rate, who, a.Why))
	}
	if held > 0 && held < money.Whole {
		lines = append(lines, fmt.Sprintf("Roles nobody earned pay nobody: the pool is shared over the %s held.", held))
	}
	if held == 0 {
		lines = append(lines, fmt.Sprintf("No role with a share was earned: the pool goes to %s, who registered the deal.", n.of(d.Registrant)))
	}
	for i := range r.Parts {
		p := &r.Parts[i]
		var terms []string
		for _, a := range r.Awards {
			if contains(a.Holders, p.Partner) {
				rate := a.Rate.String()
				if len(a.Holders) > 1 {
					rate = money.HalfRate(a.Rate) + " (shared)"
				}
				terms = append(terms, words(string(a.Role))+" "+rate)
			}
		}
		share := shareOf(weights[i], total)
		line := fmt.Sprintf("%s: no role, no part of the pool.", n.of(p.Partner))
		if len(terms) > 0 {
			line = fmt.Sprintf("%s: %s = %s of the pool → %s.", n.of(p.Partner), strings.Join(terms, " + "), share,
				money.Amount{Currency: r.Currency, Minor: p.AmountMinor})
		} else if weights[i] > 0 {
			line = fmt.Sprintf("%s: registered the deal, %s of the pool → %s.", n.of(p.Partner), share, money.Amount{Currency: r.Currency, Minor: p.AmountMinor})
		}
		p.Calculation = []string{line}
		lines = append(lines, line)
	}
	if left := leftover(pool.Minor, weights, total); left != 0 {
		lines = append(lines, fmt.Sprintf("Rounding: the whole minor units of the exact shares leave %s over, which goes to the largest remainder (on a tie, to %s, who registered the deal), so the parts sum to the pool.",
			plural(left, "minor unit"), n.of(d.Registrant)))
	}
	r.Calculation = lines
}

// leftover is how many minor units the floors of the exact shares leave for the largest remainders.
func leftover(pool int64, weights []int64, total int64) int64 {
	left := big.NewInt(pool)
	for _, w := range weights {
		share := new(big.Int).Mul(big.NewInt(pool), big.NewInt(w))
		left.Sub(left, share.Quo(share, big.NewInt(total)))
	}
	return left.Int64()
}

// shareOf writes w ÷ total as a percentage with up to two decimals: "60%", "≈ 70.59%".
func shareOf(w, total int64) string {
	r := new(big.Rat).SetFrac(big.NewInt(100*w), big.NewInt(total))
	s := strings.TrimSuffix(strings.TrimRight(r.FloatString(2), "0"), ".") + "%"
	if !new(big.Rat).Mul(r, big.NewRat(100, 1)).IsInt() {
		s = "≈ " + s
	}
	return s
}

func contains(sides []vocab.Side, s vocab.Side) bool {
	for _, x := range sides {
		if x == s {
			return true
		}
	}
	return false
}

// words turns a snake-case value into words: true_cosell is "true cosell", sell_with "sell with".
func words(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	return strings.NewReplacer("cosell", "co-sell", "partner led", "partner-led", "vendor led", "vendor-led",
		"sell with", "sell-with", "sell through", "sell-through", "sell to", "sell-to").Replace(s)
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
