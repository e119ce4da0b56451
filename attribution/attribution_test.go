package attribution_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/cosell"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

var won = time.Date(2026, 5, 29, 15, 0, 0, 0, time.UTC)

// evidence builds a deal's touchpoint set: n touchpoints of kind by side, an hour apart before the close.
func evidence(t *testing.T, deal string, counts map[vocab.Side]map[touchpoint.Kind]int) *touchpoint.Set {
	t.Helper()
	s := touchpoint.NewSet(deal, 0)
	i := 0
	for _, side := range []vocab.Side{vocab.A, vocab.B} {
		for _, k := range touchpoint.Kinds {
			for range counts[side][k] {
				i++
				_, err := s.Add(touchpoint.Touchpoint{Side: side, Person: "rep@" + string(side) + ".example", Kind: k,
					At: won.Add(-time.Duration(i) * time.Hour), Deal: deal, Source: fmt.Sprint("src-", i)})
				require.NoError(t, err)
			}
		}
	}
	return s
}

func usd(minor int64) money.Amount { return money.Amount{Currency: "USD", Minor: minor} }

func partnerLed(vendor vocab.Side) cosell.Plan {
	return cosell.Plan{Model: cosell.PartnerLed, Motion: cosell.SellWith, Vendor: vendor}
}

func amounts(r attribution.Result) []int64 {
	out := make([]int64, len(r.Parts))
	for i, p := range r.Parts {
		out[i] = p.AmountMinor
	}
	return out
}

// The playbook's partner-led deal: Acme (a) registered it and leads the sale, Globex (b) is the vendor
// and gave the demos; both met the customer.
func TestPartnerLedByHand(t *testing.T) {
	d := attribution.Deal{
		CoSellID: "CS-1", Amount: usd(10_000_000), WonAt: won, Registrant: vocab.A, Plan: partnerLed(vocab.B),
		Touchpoints: evidence(t, "CS-1", map[vocab.Side]map[touchpoint.Kind]int{
			vocab.A: {touchpoint.Demo: 1, touchpoint.Meeting: 4},
			vocab.B: {touchpoint.Demo: 2, touchpoint.TechnicalValidation: 1, touchpoint.Meeting: 2},
		}),
		Names: map[vocab.Side]string{vocab.A: "Acme", vocab.B: "Globex"},
	}
	r, err := attribution.Attribute(attribution.DefaultRules(), d)
	require.NoError(t, err)
	assert.Equal(t, attribution.CoSellPool, r.Pool)
	assert.Equal(t, money.Rate(2500), r.PoolRate)
	assert.Equal(t, int64(2_500_000), r.PoolMinor, "25 % of USD 100,000.00")
	assert.Equal(t, []attribution.Part{
		{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing, attribution.Selling}, AmountMinor: 1_500_000,
			Calculation: []string{"Acme (a): sourcing 20% + selling 40% = 60% of the pool → USD 15,000.00."}},
		{Partner: vocab.B, Roles: []attribution.Role{attribution.TechnicalValidation, attribution.Influence}, AmountMinor: 1_000_000,
			Calculation: []string{"Globex (b): technical validation 25% + influence 15% = 40% of the pool → USD 10,000.00."}},
	}, r.Parts)
	assert.Equal(t, []string{
		"Attribution of CS-1, won 2026-05-29: USD 100,000.00; partner-led, sell-with, Globex (b) plays the vendor.",
		"Commission pool: 25% of USD 100,000.00 = USD 25,000.00 (both partners earned a role, so the co-sell rate).",
		"Sourcing 20%: Acme (a) — registered the deal first.",
		"Selling 40%: Acme (a) — Acme (a) led discovery, proposal and close.",
		"Technical validation 25%: Globex (b) — demo and technical validation touchpoints: Acme (a) 1, Globex (b) 3.",
		"Influence 15%: Globex (b) — intro, meeting, discovery call, proposal review, email and executive sponsorship touchpoints: Acme (a) 4, Globex (b) 2; Acme (a) holds selling, so its own touchpoints earn no influence.",
		"Acme (a): sourcing 20% + selling 40% = 60% of the pool → USD 15,000.00.",
		"Globex (b): technical validation 25% + influence 15% = 40% of the pool → USD 10,000.00.",
	}, r.Calculation)
	assert.Equal(t, r.Calculation[0]+"\n"+r.Calculation[1], r.Note()[:len(r.Calculation[0])+1+len(r.Calculation[1])])
}

// A role nobody earned pays nobody, the pool is shared over the roles held, and rounding goes to the
// largest remainder: USD 100.01 at 25 % is 2,500.25 cents, 2,500; a holds 60 of the 85 % held
// (1,764.71) and b 25 (735.29): the cent left goes to a.
func TestUnearnedRoleAndRounding(t *testing.T) {
	d := attribution.Deal{CoSellID: "CS-2", Amount: usd(10_001), WonAt: won, Registrant: vocab.A, Plan: partnerLed(vocab.B),
		Touchpoints: evidence(t, "CS-2", map[vocab.Side]map[touchpoint.Kind]int{vocab.B: {touchpoint.Demo: 1}})}
	r, err := attribution.Attribute(attribution.DefaultRules(), d)
	require.NoError(t, err)
	assert.Equal(t, int64(2_500), r.PoolMinor)
	assert.Equal(t, []int64{1_765, 735}, amounts(r))
	assert.Empty(t, r.Awards[3].Holders, "influence: b has no influence touchpoint, a holds selling")
	assert.Contains(t, r.Calculation, "Roles nobody earned pay nobody: the pool is shared over the 85% held.")
	assert.Contains(t, r.Calculation, "a: sourcing 20% + selling 40% = ≈ 70.59% of the pool → USD 17.65.")
	assert.Contains(t, r.Calculation, "Rounding: the whole minor units of the exact shares leave 1 minor unit over, which goes to the largest remainder (on a tie, to a, who registered the deal), so the parts sum to the pool.")
}

// Without evidence from the other partner, the deal was not co-sold in fact: the solo rate, all to a.
func TestSoloPool(t *testing.T) {
	r, err := attribution.Attribute(attribution.DefaultRules(), attribution.Deal{
		CoSellID: "CS-3", Amount: usd(5_000_000), WonAt: won, Registrant: vocab.A, Plan: partnerLed(vocab.B)})
	require.NoError(t, err)
	assert.Equal(t, attribution.SoloPool, r.Pool)
	assert.Equal(t, int64(1_000_000), r.PoolMinor, "20 %")
	assert.Equal(t, []int64{1_000_000, 0}, amounts(r))
	assert.Equal(t, []attribution.Role{}, r.Parts[1].Roles)
	assert.Equal(t, []string{"b: no role, no part of the pool."}, r.Parts[1].Calculation)
	b, ok := r.Part(vocab.B)
	assert.True(t, ok)
	assert.Equal(t, r.Parts[1], b)
	_, ok = r.Part("c")
	assert.False(t, ok)
	assert.Equal(t, usd(5_000_000), r.Amount())
	assert.Equal(t, usd(1_000_000), r.PoolAmount())
}

// True co-selling: every stage joint, so selling is shared; equal validation evidence shares it too;
// both hold selling, so both earn influence. JPY has no minor unit.
func TestTrueCoSell(t *testing.T) {
	d := attribution.Deal{CoSellID: "CS-4", Amount: money.Amount{Currency: "JPY", Minor: 1_000_001}, WonAt: won, Registrant: vocab.A,
		Plan: cosell.Plan{Model: cosell.TrueCoSell, Motion: cosell.SellWith, Vendor: vocab.B},
		Touchpoints: evidence(t, "CS-4", map[vocab.Side]map[touchpoint.Kind]int{
			vocab.A: {touchpoint.Demo: 2, touchpoint.Email: 1}, vocab.B: {touchpoint.TechnicalValidation: 2, touchpoint.Intro: 3}})}
	r, err := attribution.Attribute(attribution.DefaultRules(), d)
	require.NoError(t, err)
	assert.Equal(t, attribution.TrueCoSellPool, r.Pool)
	assert.Equal(t, "Attribution of CS-4, won 2026-05-29: JPY 1,000,001; true co-sell, sell-with.", r.Calculation[0], "no vendor: it changes no lead")
	assert.Equal(t, int64(300_000), r.PoolMinor, "30 % of 1,000,001 yen, rounded half up")
	// a: 20 + 20 + 12.5 + 7.5 = 60 %; b: 20 + 12.5 + 7.5 = 40 %.
	assert.Equal(t, []int64{180_000, 120_000}, amounts(r))
	assert.Contains(t, r.Calculation, "Selling 40%: a and b, 20% each — a led discovery, proposal and close; b led discovery, proposal and close.")
	assert.Contains(t, r.Calculation, "a: sourcing 20% + selling 20% (shared) + technical validation 12.5% (shared) + influence 7.5% (shared) = 60% of the pool → JPY 180,000.")
}

// An exact tie in the remainders goes to the registrant.
func TestTieGoesToTheRegistrant(t *testing.T) {
	rules := attribution.Rules{Split: attribution.Split{Selling: money.Whole}, Pool: attribution.Pool{Solo: money.Whole, CoSell: money.Whole, TrueCoSell: money.Whole}}
	plan := cosell.Plan{Model: cosell.TrueCoSell, Motion: cosell.SellWith, Vendor: vocab.A}
	for reg, want := range map[vocab.Side][]int64{vocab.A: {51, 50}, vocab.B: {50, 51}} {
		r, err := attribution.Attribute(rules, attribution.Deal{CoSellID: "CS-5", Amount: usd(101), WonAt: won, Registrant: reg, Plan: plan})
		require.NoError(t, err)
		assert.Equal(t, want, amounts(r), "registrant %s", reg)
		assert.Equal(t, attribution.Award{Role: attribution.Sourcing, Holders: []vocab.Side{}, Why: "no share in the pairing's published split"}, r.Awards[0])
	}
}

func TestSellingFollowsTheStageLeads(t *testing.T) {
	rules := attribution.DefaultRules()
	base := attribution.Deal{CoSellID: "CS-6", Amount: usd(1_000_000), WonAt: won, Registrant: vocab.A, Plan: partnerLed(vocab.B)}
	selling := func(d attribution.Deal) []vocab.Side {
		t.Helper()
		r, err := attribution.Attribute(rules, d)
		require.NoError(t, err)
		require.Equal(t, attribution.Selling, r.Awards[1].Role)
		return r.Awards[1].Holders
	}
	assert.Equal(t, []vocab.Side{vocab.A}, selling(base), "partner-led: the partner")

	d := base
	d.Plan, _ = d.Plan.WithOverride(cosell.Proposal, "b")
	d.Plan, _ = d.Plan.WithOverride(cosell.Close, "b")
	assert.Equal(t, []vocab.Side{vocab.B}, selling(d), "b led proposal and close on this deal")

	d.Plan, _ = d.Plan.WithOverride(cosell.Discovery, cosell.JointLead)
	d.Plan, _ = d.Plan.WithOverride(cosell.Close, "a")
	assert.Equal(t, []vocab.Side{vocab.A, vocab.B}, selling(d), "two stages each: shared")

	d = base
	d.Plan.Model = cosell.VendorLed
	assert.Equal(t, []vocab.Side{vocab.B}, selling(d), "vendor-led: the vendor")

	d = base
	d.Plan.Motion = cosell.SellTo
	d.Plan, _ = d.Plan.WithOverride(cosell.Close, "b")
	assert.Equal(t, []vocab.Side{vocab.B}, selling(d), "sell-to: the closing partner, though a led discovery and proposal")
}

func TestEvidenceRules(t *testing.T) {
	tps := evidence(t, "CS-7", map[vocab.Side]map[touchpoint.Kind]int{
		vocab.A: {touchpoint.Demo: 2}, vocab.B: {touchpoint.Demo: 1, touchpoint.ExecutiveSponsorship: 1}})
	d := attribution.Deal{CoSellID: "CS-7", Amount: usd(1_000_000), WonAt: won, Registrant: vocab.A, Plan: partnerLed(vocab.B), Touchpoints: tps}
	r, err := attribution.Attribute(attribution.DefaultRules(), d)
	require.NoError(t, err)
	assert.Equal(t, []vocab.Side{vocab.A}, r.Awards[2].Holders, "the most demos win, even against the vendor")
	assert.Equal(t, []vocab.Side{vocab.B}, r.Awards[3].Holders)

	rules := attribution.Rules{
		TechnicalValidation: attribution.Evidence{Kinds: []touchpoint.Kind{touchpoint.Demo}, MinTouchpoints: 3},
		Influence:           attribution.Evidence{Kinds: []touchpoint.Kind{touchpoint.Email}},
	}
	r, err = attribution.Attribute(rules, d)
	require.NoError(t, err)
	assert.Empty(t, r.Awards[2].Holders, "nobody has 3 demos")
	assert.Contains(t, r.Awards[2].Why, "(at least 3 needed)")
	assert.Empty(t, r.Awards[3].Holders, "an executive sponsorship is not an e-mail")
	assert.Equal(t, attribution.SoloPool, r.Pool)

	// What a partner does after the close is not evidence of winning the deal.
	_, err = tps.Add(touchpoint.Touchpoint{Side: vocab.B, Person: "kim", Kind: touchpoint.Demo, At: won.Add(time.Hour), Deal: "CS-7", Source: "late-1"})
	require.NoError(t, err)
	_, err = tps.Add(touchpoint.Touchpoint{Side: vocab.B, Person: "kim", Kind: touchpoint.Demo, At: won.Add(2 * time.Hour), Deal: "CS-7", Source: "late-2"})
	require.NoError(t, err)
	r, err = attribution.Attribute(attribution.DefaultRules(), d)
	require.NoError(t, err)
	assert.Equal(t, []vocab.Side{vocab.A}, r.Awards[2].Holders)
}

func TestRefusals(t *testing.T) {
	good := attribution.Deal{CoSellID: "CS-8", Amount: usd(100), WonAt: won, Registrant: vocab.A, Plan: partnerLed(vocab.B)}

	_, err := attribution.Attribute(attribution.Rules{Currency: "USD"}, good)
	require.NoError(t, err)
	eur := good
	eur.Amount = money.Amount{Currency: "EUR", Minor: 100}
	_, err = attribution.Attribute(attribution.Rules{Currency: "USD"}, eur)
	assert.True(t, errors.Is(err, money.ErrCurrencyMismatch), "a EUR deal in a USD pairing: %v", err)
	assert.ErrorContains(t, err, "the deal is in EUR and the pairing attributes in USD")

	bad := attribution.Deal{Amount: money.Amount{Currency: "XYZ", Minor: 1}, Registrant: "c", Plan: cosell.Plan{Model: "x"},
		Touchpoints: touchpoint.NewSet("CS-9", 0)}
	_, err = attribution.Attribute(attribution.DefaultRules(), bad)
	for _, msg := range []string{"no co-sell id", "XYZ is not in the table", "no close-won time", `registrant "c"`, `unknown model "x"`, "the touchpoints given are deal CS-9's"} {
		assert.ErrorContains(t, err, msg)
	}
	neg := good
	neg.Amount = usd(-1)
	_, err = attribution.Attribute(attribution.DefaultRules(), neg)
	assert.ErrorContains(t, err, "is negative")

	for _, c := range []struct {
		rules attribution.Rules
		msg   string
	}{
		{attribution.Rules{Split: attribution.Split{Sourcing: 5000, Selling: 4000}}, "the shares total 90%, not 100%"},
		{attribution.Rules{Split: attribution.Split{Sourcing: -1000, Selling: 11000}}, "sourcing has a negative share"},
		{attribution.Rules{Pool: attribution.Pool{Solo: 3000}}, "below the solo rate (30%) makes co-selling irrational"},
		{attribution.Rules{Pool: attribution.Pool{Solo: 2000, CoSell: 12000, TrueCoSell: 12000}}, "pool: cosell is 120%"},
		{attribution.Rules{SellingStages: []cosell.Stage{cosell.Close, "won", cosell.Close}}, `unknown stage "won"`},
		{attribution.Rules{SellingStages: []cosell.Stage{cosell.Close, cosell.Close}}, "close twice"},
		{attribution.Rules{Influence: attribution.Evidence{Kinds: []touchpoint.Kind{"lunch"}}}, `influence: unknown touchpoint kind "lunch"`},
		{attribution.Rules{TechnicalValidation: attribution.Evidence{MinTouchpoints: -2}}, "at least -2 touchpoints is not a rule"},
		{attribution.Rules{Currency: "usd"}, "upper case"},
	} {
		_, err := attribution.Attribute(c.rules, good)
		assert.ErrorContains(t, err, c.msg)
	}
}

func TestZeroAmount(t *testing.T) {
	r, err := attribution.Attribute(attribution.DefaultRules(), attribution.Deal{CoSellID: "CS-10", Amount: usd(0), WonAt: won, Registrant: vocab.B, Plan: partnerLed(vocab.A)})
	require.NoError(t, err)
	assert.Equal(t, int64(0), r.PoolMinor)
	assert.Equal(t, []int64{0, 0}, amounts(r))
}

// The JSON the CLI prints and the CRM fields are written from.
func TestResultJSON(t *testing.T) {
	r, err := attribution.Attribute(attribution.DefaultRules(), attribution.Deal{CoSellID: "CS-11", Amount: usd(10_000_000), WonAt: won,
		Registrant: vocab.A, Plan: partnerLed(vocab.B),
		Touchpoints: evidence(t, "CS-11", map[vocab.Side]map[touchpoint.Kind]int{vocab.B: {touchpoint.Demo: 1}})})
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "USD", m["currency"])
	assert.Equal(t, 10_000_000.0, m["amountMinor"])
	assert.Equal(t, 2_500_000.0, m["poolMinor"])
	parts := m["parts"].([]any)
	require.Len(t, parts, 2)
	a, bb := parts[0].(map[string]any), parts[1].(map[string]any)
	assert.Equal(t, "a", a["partner"])
	assert.Equal(t, []any{"sourcing", "selling"}, a["roles"])
	assert.Equal(t, "b", bb["partner"])
	assert.Equal(t, []any{"technical_validation"}, bb["roles"])
	assert.Equal(t, a["amountMinor"].(float64)+bb["amountMinor"].(float64), m["poolMinor"])
	assert.NotEmpty(t, m["calculation"])

	var back attribution.Result
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back, "the result round-trips, as the audit trail in the deal's state")
}

func TestLoss(t *testing.T) {
	for in, want := range map[string]attribution.LossReason{"price": attribution.LostOnPrice, "No decision": attribution.LostNoDecision, "product-fit": attribution.LostProductFit} {
		got, err := attribution.ParseLossReason(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	_, err := attribution.ParseLossReason("bad luck")
	assert.ErrorContains(t, err, `unknown loss reason "bad luck"`)

	require.NoError(t, attribution.Loss{CoSellID: "CS-1", Reason: attribution.LostToCompetitor, Side: vocab.B, At: won}.Validate())
	err = attribution.Loss{Reason: attribution.LostOther, Side: "c"}.Validate()
	for _, msg := range []string{"no co-sell id", `reason "other" needs a detail`, `side "c"`, "no time"} {
		assert.ErrorContains(t, err, msg)
	}
	assert.ErrorContains(t, attribution.Loss{CoSellID: "CS-1", Reason: "Price", Side: vocab.A, At: won}.Validate(), `unknown reason "Price"`)
}

// A split that pays only a role nobody earned still pays the pool out: to the partner who registered.
func TestNobodyEarnedAPaidRole(t *testing.T) {
	r, err := attribution.Attribute(attribution.Rules{Split: attribution.Split{Influence: money.Whole}},
		attribution.Deal{CoSellID: "CS-12", Amount: usd(1_000_000), WonAt: won, Registrant: vocab.B, Plan: partnerLed(vocab.A)})
	require.NoError(t, err)
	assert.Equal(t, attribution.SoloPool, r.Pool)
	assert.Equal(t, []int64{0, 200_000}, amounts(r))
	assert.Contains(t, r.Calculation, "No role with a share was earned: the pool goes to b, who registered the deal.")
	assert.Contains(t, r.Calculation, "b: registered the deal, 100% of the pool → USD 2,000.00.")
}
