package attribution_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

var (
	genSide     = rapid.SampledFrom([]vocab.Side{vocab.A, vocab.B})
	genCurrency = rapid.SampledFrom([]string{"USD", "EUR", "JPY", "KWD", "GBP"})
)

// genRules draws published rules: any split totalling 100 % (some roles at 0), pool rates with co-selling
// paying at least solo, and evidence rules over random kinds.
func genRules(t *rapid.T) attribution.Rules {
	cuts := []money.Rate{0, 0, 0, money.Whole}
	for i := 1; i < 3; i++ {
		cuts[i] = money.Rate(rapid.IntRange(0, 10000).Draw(t, "cut"))
	}
	if cuts[1] > cuts[2] {
		cuts[1], cuts[2] = cuts[2], cuts[1]
	}
	sourcing := money.Rate(rapid.IntRange(0, int(cuts[1])).Draw(t, "sourcing"))
	split := attribution.Split{Sourcing: sourcing, Selling: cuts[1] - sourcing, TechnicalValidation: cuts[2] - cuts[1], Influence: cuts[3] - cuts[2]}
	solo := money.Rate(rapid.IntRange(1, 5000).Draw(t, "solo"))
	kinds := func(label string) attribution.Evidence {
		ks := rapid.SliceOfNDistinct(rapid.SampledFrom(touchpoint.Kinds), 1, 4, func(k touchpoint.Kind) touchpoint.Kind { return k }).Draw(t, label)
		return attribution.Evidence{Kinds: ks, MinTouchpoints: rapid.IntRange(1, 3).Draw(t, label+" min")}
	}
	return attribution.Rules{
		Split: split,
		Pool: attribution.Pool{Solo: solo, CoSell: solo + money.Rate(rapid.IntRange(0, 5000).Draw(t, "cosell")),
			TrueCoSell: solo + money.Rate(rapid.IntRange(0, 5000).Draw(t, "true"))},
		SellingStages:       rapid.SliceOfNDistinct(rapid.SampledFrom(cosell.Stages), 1, 6, func(s cosell.Stage) cosell.Stage { return s }).Draw(t, "selling stages"),
		TechnicalValidation: kinds("technical"),
		Influence:           kinds("influence"),
	}
}

func genPlan(t *rapid.T) cosell.Plan {
	p := cosell.Plan{Model: rapid.SampledFrom(cosell.Models).Draw(t, "model"), Motion: rapid.SampledFrom(cosell.Motions).Draw(t, "motion"), Vendor: genSide.Draw(t, "vendor")}
	for range rapid.IntRange(0, 3).Draw(t, "overrides") {
		lead := rapid.SampledFrom([]cosell.Lead{"a", "b", cosell.JointLead}).Draw(t, "lead")
		p, _ = p.WithOverride(rapid.SampledFrom(cosell.Stages).Draw(t, "stage"), lead)
	}
	return p
}

func genTouchpoints(t *rapid.T, deal string) []touchpoint.Touchpoint {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) touchpoint.Touchpoint {
		return touchpoint.Touchpoint{Side: genSide.Draw(t, "side"), Person: rapid.SampledFrom([]string{"jane", "kim", "sam"}).Draw(t, "person"),
			Kind: rapid.SampledFrom(touchpoint.Kinds).Draw(t, "kind"), At: won.Add(time.Duration(rapid.IntRange(-100, 5).Draw(t, "hours")) * time.Hour),
			Deal: deal, Source: rapid.SampledFrom([]string{"", "s1", "s2", "s3", "s4", "s5", "s6"}).Draw(t, "source")}
	}), 0, 40).Draw(t, "touchpoints")
}

func set(t *rapid.T, deal string, tps []touchpoint.Touchpoint) *touchpoint.Set {
	s := touchpoint.NewSet(deal, 0)
	for _, x := range tps {
		if _, err := s.Add(x); err != nil {
			t.Fatalf("add %+v: %v", x, err)
		}
	}
	return s
}

// Acceptance (a) of issue #9: the parts sum exactly to the pool, none is negative, the result is
// deterministic and does not depend on the order the touchpoints were logged in.
func TestAttributionProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rules := genRules(t)
		currency := genCurrency.Draw(t, "currency")
		amount := money.Amount{Currency: currency, Minor: rapid.OneOf(rapid.Int64Range(0, 1000), rapid.Int64Range(0, money.MaxMinor)).Draw(t, "amount")}
		tps := genTouchpoints(t, "CS-P")
		d := attribution.Deal{CoSellID: "CS-P", Amount: amount, WonAt: won, Registrant: genSide.Draw(t, "registrant"), Plan: genPlan(t), Touchpoints: set(t, "CS-P", tps)}
		r, err := attribution.Attribute(rules, d)
		require.NoError(t, err)

		rate := map[attribution.PoolKind]money.Rate{attribution.SoloPool: rules.Pool.Solo, attribution.CoSellPool: rules.Pool.CoSell, attribution.TrueCoSellPool: rules.Pool.TrueCoSell}[r.Pool]
		pool, _ := rate.Apply(amount)
		if r.PoolMinor != pool.Minor || r.PoolRate != rate || r.Currency != currency || r.AmountMinor != amount.Minor {
			t.Fatalf("pool %d at %s, want %s of %s = %d", r.PoolMinor, r.PoolRate, rate, amount, pool.Minor)
		}
		var sum int64
		for _, p := range r.Parts {
			if p.AmountMinor < 0 {
				t.Fatalf("part of %s is negative: %d", p.Partner, p.AmountMinor)
			}
			sum += p.AmountMinor
			if len(p.Roles) == 0 && p.AmountMinor > 0 && p.Partner != d.Registrant {
				t.Fatalf("%s holds no role and gets %d", p.Partner, p.AmountMinor)
			}
		}
		if sum != r.PoolMinor {
			t.Fatalf("parts sum to %d, pool is %d", sum, r.PoolMinor)
		}
		if len(r.Parts) != 2 || r.Parts[0].Partner != vocab.A || r.Parts[1].Partner != vocab.B {
			t.Fatalf("parts are not a then b: %+v", r.Parts)
		}
		if (r.Pool == attribution.SoloPool) == bothPaid(rules, r) {
			t.Fatalf("pool %s with roles a %v, b %v", r.Pool, r.Parts[0].Roles, r.Parts[1].Roles)
		}

		again, err := attribution.Attribute(rules, d)
		require.NoError(t, err)
		require.Equal(t, r, again, "deterministic")

		shuffled := d
		shuffled.Touchpoints = set(t, "CS-P", rapid.Permutation(tps).Draw(t, "order"))
		other, err := attribution.Attribute(rules, shuffled)
		require.NoError(t, err)
		require.Equal(t, r, other, "invariant to the order of the touchpoints")
	})
}

// bothPaid reports whether both partners hold a role with a share: a co-sold deal.
func bothPaid(rules attribution.Rules, r attribution.Result) bool {
	paid := map[vocab.Side]bool{}
	for _, a := range r.Awards {
		for _, s := range a.Holders {
			if rules.Split.Rate(a.Role) > 0 {
				paid[s] = true
			}
		}
	}
	return paid[vocab.A] && paid[vocab.B]
}

// A currency mismatch is refused, whatever else the deal holds.
func TestCurrencyMismatchIsRefused(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rules := genRules(t)
		rules.Currency = genCurrency.Draw(t, "pairing currency")
		currency := genCurrency.Filter(func(c string) bool { return c != rules.Currency }).Draw(t, "deal currency")
		d := attribution.Deal{CoSellID: "CS-M", Amount: money.Amount{Currency: currency, Minor: rapid.Int64Range(0, money.MaxMinor).Draw(t, "amount")},
			WonAt: won, Registrant: genSide.Draw(t, "registrant"), Plan: genPlan(t)}
		_, err := attribution.Attribute(rules, d)
		if !errors.Is(err, money.ErrCurrencyMismatch) {
			t.Fatalf("a %s deal under %s rules: %v", currency, rules.Currency, err)
		}
	})
}

// An upheld dispute's corrected split is accepted exactly when it sums to the pool, in the record's
// currency, and changes the split in force; the figures then follow the split in force.
func TestCorrectionsMustSumToThePool(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pool := rapid.Int64Range(0, 1_000_000).Draw(t, "pool")
		aPart := rapid.Int64Range(0, pool).Draw(t, "a")
		rec := attribution.Record{Result: attribution.Result{CoSellID: "CS-D", Currency: "EUR", AmountMinor: pool * 4, PoolMinor: pool, WonAt: won, Registrant: vocab.A,
			Parts: []attribution.Part{{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing}, AmountMinor: aPart}, {Partner: vocab.B, Roles: []attribution.Role{}, AmountMinor: pool - aPart}}}}
		rec, err := rec.Dispute(attribution.Dispute{Partner: vocab.B, Reason: "we gave the demo", At: won.Add(time.Hour)})
		require.NoError(t, err)
		ca := rapid.Int64Range(-1, pool+1).Draw(t, "corrected a")
		cb := rapid.Int64Range(-1, pool+1).Draw(t, "corrected b")
		cur := rapid.SampledFrom([]string{"EUR", "EUR", "USD"}).Draw(t, "currency")
		res := attribution.Resolution{Verdict: attribution.Upheld, Currency: cur, Approver: "maria@acme.example", Note: "the demo log shows it", At: won.Add(2 * time.Hour),
			Parts: []attribution.Part{{Partner: vocab.B, AmountMinor: cb}, {Partner: vocab.A, AmountMinor: ca, Roles: []attribution.Role{attribution.Sourcing}}}}
		out, err := rec.Resolve(res, nil)
		valid := ca >= 0 && cb >= 0 && ca+cb == pool && cur == "EUR" && ca != aPart
		if valid != (err == nil) {
			t.Fatalf("correction a %d, b %d in %s of pool %d (in force a %d): valid %v, error %v", ca, cb, cur, pool, aPart, valid, err)
		}
		if cur != "EUR" && !errors.Is(err, money.ErrCurrencyMismatch) {
			t.Fatalf("a %s correction of a EUR record: %v", cur, err)
		}
		if err != nil {
			return
		}
		if got := out.Parts(); got[0].AmountMinor != ca || got[1].AmountMinor != cb {
			t.Fatalf("the split in force is %+v", got)
		}
		f, err := attribution.Summarize("EUR", []attribution.Record{out})
		require.NoError(t, err)
		if f.Credited[0].AmountMinor+f.Credited[1].AmountMinor != func() int64 {
			if pool == 0 {
				return 0
			}
			return pool * 4
		}() {
			t.Fatalf("credited %+v of revenue %d", f.Credited, pool*4)
		}
		if want := ca > 0 && cb > 0; (f.AttributableMinor > 0) != (want && pool > 0) {
			t.Fatalf("attributable %d with parts a %d, b %d", f.AttributableMinor, ca, cb)
		}
	})
}
