package attribution

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Deal is what attribution reads of a deal won: its amount, who registered it, its plan, and its
// touchpoints.
type Deal struct {
	CoSellID string `json:"coSellId"`
	// Amount is the deal's amount in its own currency.
	Amount money.Amount `json:"amount"`
	// WonAt is when it was won; touchpoints after it are not evidence of winning it.
	WonAt time.Time `json:"wonAt"`
	// Registrant is the side that registered the deal first: the primary, who earns sourcing.
	Registrant vocab.Side  `json:"registrant"`
	Plan       cosell.Plan `json:"plan"`
	// Touchpoints is the deal's evidence; nil when none was logged.
	Touchpoints *touchpoint.Set `json:"-"`
	// Names are the partners' display names for the calculation lines ("Acme"); optional.
	Names map[vocab.Side]string `json:"-"`
}

// sides are the two parties of a deal, in the order parts are listed.
var sides = []vocab.Side{vocab.A, vocab.B}

// Attribute computes the commission split of a won deal by the pairing's rules:
//
//  1. Roles. Sourcing goes to the registrant. Selling goes to the side that led the most selling
//     stages in the deal's plan (joint stages count for both; a tie shares it). Technical validation
//     goes to the side with the most demo and validation touchpoints, given the minimum; influence to
//     every side with the minimum of influence touchpoints that does not hold selling (or to both when
//     both hold selling). A role two sides hold is shared equally. A role nobody earns pays nobody: the
//     pool is shared over the roles held, in proportion to their published shares.
//  2. Pool. The solo rate, unless both sides hold a role with a share; then the co-sell rate, or the
//     true co-sell rate for a true co-sell deal. The pool is that rate of the amount, rounded half up
//     to a minor unit.
//  3. Parts. The pool is split between the sides in proportion to their shares by the largest-remainder
//     method (money.Allocate), a tie going to the registrant, so the parts sum to the pool exactly.
//
// The result depends on the deal's touchpoints, not on the order they were logged in. A deal in a
// currency other than the rules' is refused with ErrCurrencyMismatch.
func Attribute(rules Rules, d Deal) (Result, error) {
	rules = rules.WithDefaults()
	if err := rules.Validate(); err != nil {
		return Result{}, err
	}
	if err := d.validate(rules); err != nil {
		return Result{}, err
	}
	var tally touchpoint.Tally
	if d.Touchpoints != nil {
		tally = d.Touchpoints.Tally(d.WonAt)
	}
	n := namer(d.Names)
	awards := []Award{
		sourcing(rules, d, n),
		selling(rules, d, n),
	}
	awards = append(awards, technical(rules, tally, n), influence(rules, tally, awards[1].Holders, n))

	// Each side's weight, in half basis points so that a shared role stays an integer.
	weight := map[vocab.Side]int64{}
	var total int64
	for _, a := range awards {
		for _, s := range a.Holders {
			weight[s] += int64(a.Rate) * 2 / int64(len(a.Holders))
		}
		if len(a.Holders) > 0 {
			total += int64(a.Rate) * 2
		}
	}
	coSold := weight[vocab.A] > 0 && weight[vocab.B] > 0
	rate, kind := rules.Pool.rate(coSold, d.Plan.Model)
	pool, err := rate.Apply(d.Amount)
	if err != nil {
		return Result{}, fmt.Errorf("attribute %s: %w", d.CoSellID, err)
	}

	res := Result{
		CoSellID: d.CoSellID, Currency: d.Amount.Currency, AmountMinor: d.Amount.Minor,
		PoolMinor: pool.Minor, PoolRate: rate, Pool: kind,
		Model: d.Plan.Model, Motion: d.Plan.Motion, Vendor: d.Plan.Vendor, Registrant: d.Registrant, WonAt: d.WonAt,
		Awards: awards,
	}
	if total == 0 {
		// No role with a share is held (a split that pays only roles nobody earned): the primary gets
		// the pool, so it is still paid out in full.
		weight = map[vocab.Side]int64{d.Registrant: 1}
		total = 1
	}
	weights := []int64{weight[vocab.A], weight[vocab.B]}
	priority := []int{0, 1}
	if d.Registrant == vocab.B {
		priority = []int{1, 0}
	}
	amounts, err := money.Allocate(pool.Minor, weights, priority)
	if err != nil {
		return Result{}, fmt.Errorf("attribute %s: %w", d.CoSellID, err)
	}
	for i, s := range sides {
		p := Part{Partner: s, Roles: []Role{}, AmountMinor: amounts[i]}
		for _, a := range awards {
			if slices.Contains(a.Holders, s) {
				p.Roles = append(p.Roles, a.Role)
			}
		}
		res.Parts = append(res.Parts, p)
	}
	res.explain(d, pool, weights, total, n)
	return res, nil
}

func (d Deal) validate(rules Rules) error {
	var errs []error
	if strings.TrimSpace(d.CoSellID) == "" {
		errs = append(errs, errors.New("no co-sell id"))
	}
	if _, err := money.New(d.Amount.Currency, d.Amount.Minor); err != nil {
		errs = append(errs, err)
	} else if d.Amount.Minor < 0 {
		errs = append(errs, fmt.Errorf("amount %s is negative", d.Amount))
	}
	if rules.Currency != "" && d.Amount.Currency != rules.Currency {
		errs = append(errs, fmt.Errorf("the deal is in %s and the pairing attributes in %s: %w", d.Amount.Currency, rules.Currency, money.ErrCurrencyMismatch))
	}
	if d.WonAt.IsZero() {
		errs = append(errs, errors.New("no close-won time"))
	}
	if d.Registrant != vocab.A && d.Registrant != vocab.B {
		errs = append(errs, fmt.Errorf("registrant %q is not side a or b", d.Registrant))
	}
	if err := d.Plan.Validate(); err != nil {
		errs = append(errs, err)
	}
	if d.Touchpoints != nil && d.Touchpoints.Deal != "" && d.Touchpoints.Deal != d.CoSellID {
		errs = append(errs, fmt.Errorf("the touchpoints given are deal %s's", d.Touchpoints.Deal))
	}
	if len(errs) > 0 {
		return fmt.Errorf("attribute %s: %w", d.CoSellID, errors.Join(errs...))
	}
	return nil
}

// Award is who earned a role and why, in words both partners can check.
type Award struct {
	Role Role       `json:"role"`
	Rate money.Rate `json:"rateBp"`
	// Holders are the sides that earned it, a before b; none when nobody did.
	Holders []vocab.Side `json:"holders"`
	Why     string       `json:"why"`
}

func sourcing(rules Rules, d Deal, n namer) Award {
	return award(rules, Sourcing, []vocab.Side{d.Registrant}, "registered the deal first")
}

func selling(rules Rules, d Deal, n namer) Award {
	stages := rules.SellingStages
	why := ""
	if d.Plan.Motion == cosell.SellTo {
		stages = []cosell.Stage{cosell.Close}
		why = " (sell-to: the closing partner gets the sales credit)"
	}
	led := map[vocab.Side][]string{}
	for _, st := range stages {
		for _, s := range d.Plan.Lead(st).Sides() {
			led[s] = append(led[s], string(st))
		}
	}
	holders := most(func(s vocab.Side) int { return len(led[s]) }, 1)
	var parts []string
	for _, s := range sides {
		if len(led[s]) > 0 {
			parts = append(parts, n.of(s)+" led "+list(led[s]))
		}
	}
	return award(rules, Selling, holders, strings.Join(parts, "; ")+why)
}

func technical(rules Rules, t touchpoint.Tally, n namer) Award {
	ev := rules.TechnicalValidation
	count := func(s vocab.Side) int { return t.N(s, ev.Kinds...) }
	holders := most(count, ev.MinTouchpoints)
	return award(rules, TechnicalValidation, holders, evidence(ev, count, n, nil))
}

func influence(rules Rules, t touchpoint.Tally, sellers []vocab.Side, n namer) Award {
	ev := rules.Influence
	count := func(s vocab.Side) int { return t.N(s, ev.Kinds...) }
	var holders, excluded []vocab.Side
	for _, s := range sides {
		switch {
		case count(s) < ev.MinTouchpoints:
		case slices.Contains(sellers, s) && len(sellers) < len(sides):
			excluded = append(excluded, s)
		default:
			holders = append(holders, s)
		}
	}
	return award(rules, Influence, holders, evidence(ev, count, n, excluded))
}

// award makes an award, or records that a role with no published share pays nobody.
func award(rules Rules, r Role, holders []vocab.Side, why string) Award {
	rate := rules.Split.Rate(r)
	if rate == 0 {
		return Award{Role: r, Holders: []vocab.Side{}, Why: "no share in the pairing's published split"}
	}
	if holders == nil {
		holders = []vocab.Side{}
	}
	return Award{Role: r, Rate: rate, Holders: holders, Why: why}
}

// most returns the sides with the highest count, at least min; both on a tie.
func most(count func(vocab.Side) int, min int) []vocab.Side {
	best := min
	var out []vocab.Side
	for _, s := range sides {
		switch c := count(s); {
		case c > best:
			best, out = c, []vocab.Side{s}
		case c == best:
			out = append(out, s)
		}
	}
	return out
}

// evidence words the touchpoint counts behind an evidence role.
func evidence(ev Evidence, count func(vocab.Side) int, n namer, sellers []vocab.Side) string {
	kinds := make([]string, len(ev.Kinds))
	for i, k := range ev.Kinds {
		kinds[i] = strings.ReplaceAll(string(k), "_", " ")
	}
	var counts []string
	for _, s := range sides {
		counts = append(counts, fmt.Sprintf("%s %d", n.of(s), count(s)))
	}
	why := list(kinds) + " touchpoints: " + strings.Join(counts, ", ")
	if ev.MinTouchpoints > 1 {
		why += fmt.Sprintf(" (at least %d needed)", ev.MinTouchpoints)
	}
	for _, s := range sellers {
		why += "; " + n.of(s) + " holds selling, so its own touchpoints earn no influence"
	}
	return why
}

// namer names a side in the calculation: "Acme (a)", or "a" without display names.
type namer map[vocab.Side]string

func (n namer) of(s vocab.Side) string {
	if name := n[s]; name != "" {
		return name + " (" + string(s) + ")"
	}
	return string(s)
}

// list joins words: "a", "a and b", "a, b and c".
func list(words []string) string {
	switch len(words) {
	case 0:
		return "nothing"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
