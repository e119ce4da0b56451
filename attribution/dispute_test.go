package attribution_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/money"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

var approvers = []string{"maria.manager@acme.example", "kim.manager@globex.example"}

// record is the partner-led deal of TestPartnerLedByHand: a USD 15,000.00, b USD 10,000.00 of a
// USD 25,000.00 pool.
func record(t *testing.T, id string, amount int64, at time.Time) attribution.Record {
	t.Helper()
	r, err := attribution.Attribute(attribution.DefaultRules(), attribution.Deal{CoSellID: id, Amount: usd(amount), WonAt: at, Registrant: vocab.A, Plan: partnerLed(vocab.B),
		Touchpoints: evidence(t, id, map[vocab.Side]map[touchpoint.Kind]int{vocab.B: {touchpoint.Demo: 1, touchpoint.Meeting: 1}})})
	require.NoError(t, err)
	return attribution.Record{Result: r}
}

func TestDisputeUpheld(t *testing.T) {
	rec := record(t, "CS-1", 10_000_000, won)
	_, open := rec.Open()
	assert.False(t, open)

	rec, err := rec.Dispute(attribution.Dispute{Partner: vocab.B, By: "kim@globex.example", Reason: "we ran discovery, not Acme", At: won.Add(24 * time.Hour)})
	require.NoError(t, err)
	d, open := rec.Open()
	require.True(t, open)
	assert.Equal(t, vocab.B, d.Partner)
	assert.Equal(t, rec.Result.Parts, rec.Parts(), "an open dispute changes nothing yet")

	_, err = rec.Dispute(attribution.Dispute{Partner: vocab.A, Reason: "and another", At: won.Add(25 * time.Hour)})
	assert.ErrorContains(t, err, "partner b's dispute of 2026-05-30 15:00 UTC is still open; resolve it first")

	corrected := []attribution.Part{
		{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing}, AmountMinor: 1_000_000},
		{Partner: vocab.B, Roles: []attribution.Role{attribution.Selling, attribution.TechnicalValidation, attribution.Influence}, AmountMinor: 1_500_000},
	}
	rec, err = rec.Resolve(attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Parts: corrected,
		Approver: "Maria.Manager@acme.example", Note: "the call log shows Globex led discovery", At: won.Add(48 * time.Hour)}, approvers)
	require.NoError(t, err)
	_, open = rec.Open()
	assert.False(t, open)
	assert.Equal(t, corrected, rec.Parts(), "the corrected split is in force")
	lines := rec.Lines()
	assert.Equal(t, rec.Result.Calculation, lines[:len(rec.Result.Calculation)], "the original calculation stays in the trail")
	assert.Equal(t, []string{
		"Disputed by b (kim@globex.example) on 2026-05-30 15:00 UTC: we ran discovery, not Acme",
		"Upheld by Maria.Manager@acme.example on 2026-05-31 15:00 UTC: the call log shows Globex led discovery. Corrected split: a USD 10,000.00, b USD 15,000.00.",
	}, lines[len(rec.Result.Calculation):])

	// A second dispute, rejected: the corrected split stays in force.
	rec, err = rec.Dispute(attribution.Dispute{Partner: vocab.A, Reason: "we sourced and sold it", At: won.Add(72 * time.Hour)})
	require.NoError(t, err)
	assert.Contains(t, rec.Lines()[len(rec.Lines())-1], "The dispute is open")
	rec, err = rec.Resolve(attribution.Resolution{Verdict: attribution.Rejected, Approver: "kim.manager@globex.example", Note: "settled above", At: won.Add(73 * time.Hour)}, approvers)
	require.NoError(t, err)
	assert.Equal(t, corrected, rec.Parts())
	assert.Equal(t, "Rejected by kim.manager@globex.example on 2026-06-01 16:00 UTC: settled above", rec.Lines()[len(rec.Lines())-1])
}

func TestDisputeRefusals(t *testing.T) {
	rec := record(t, "CS-2", 10_000_000, won)
	_, err := rec.Dispute(attribution.Dispute{Partner: "c", At: won.Add(-time.Hour), Resolution: &attribution.Resolution{}})
	for _, msg := range []string{`partner "c"`, "no reason", "before the deal was won", "a new dispute has no resolution yet"} {
		assert.ErrorContains(t, err, msg)
	}
	_, err = rec.Resolve(attribution.Resolution{Verdict: attribution.Rejected}, approvers)
	assert.ErrorContains(t, err, "no dispute is open")

	rec, err = rec.Dispute(attribution.Dispute{Partner: vocab.A, By: "maria.manager@acme.example", Reason: "too little", At: won.Add(time.Hour)})
	require.NoError(t, err)
	cases := []struct {
		res attribution.Resolution
		msg string
	}{
		{attribution.Resolution{Verdict: attribution.Rejected, Approver: "intern@acme.example", Note: "n", At: won.Add(2 * time.Hour)}, "intern@acme.example is not an approver of this pairing"},
		{attribution.Resolution{Verdict: attribution.Rejected, Approver: "maria.manager@acme.example", Note: "n", At: won.Add(2 * time.Hour)}, "disputed the attribution and cannot settle the dispute"},
		{attribution.Resolution{Verdict: attribution.Rejected, Approver: "kim.manager@globex.example", At: won}, "no note"},
		{attribution.Resolution{Verdict: attribution.Rejected, Approver: "kim.manager@globex.example", Note: "n", At: won}, "before the dispute"},
		{attribution.Resolution{Verdict: "withdrawn", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour)}, `unknown verdict "withdrawn"`},
		{attribution.Resolution{Verdict: attribution.Rejected, Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
			Parts: rec.Result.Parts}, "carries no corrected split"},
		{attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
			Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: 2_000_000}, {Partner: vocab.B, AmountMinor: 1_000_000}}}, "the corrected parts sum to USD 30,000.00, not to the pool of USD 25,000.00"},
		{attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
			Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: 2_500_000}}}, "one part for side a and one for side b"},
		{attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
			Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: 2_600_000}, {Partner: vocab.B, AmountMinor: -100_000}}}, "the corrected part of b is negative"},
		{attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
			Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: 2_500_000, Roles: []attribution.Role{"closing"}}, {Partner: vocab.B}}}, `unknown role "closing"`},
		{attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
			Parts: rec.Result.Parts}, "is the split in force: reject the dispute instead"},
	}
	for _, c := range cases {
		_, err := rec.Resolve(c.res, approvers)
		assert.ErrorContains(t, err, c.msg)
	}
	_, err = rec.Resolve(attribution.Resolution{Verdict: attribution.Upheld, Currency: "EUR", Approver: "kim.manager@globex.example", Note: "n", At: won.Add(2 * time.Hour),
		Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: 2_500_000}, {Partner: vocab.B}}}, approvers)
	assert.True(t, errors.Is(err, money.ErrCurrencyMismatch), err)

	// Without a list of approvers, anyone named may decide; nobody cannot.
	_, err = rec.Resolve(attribution.Resolution{Verdict: attribution.Rejected, Approver: "ops@acme.example", Note: "n", At: won.Add(2 * time.Hour)}, nil)
	require.NoError(t, err)
	_, err = rec.Resolve(attribution.Resolution{Verdict: attribution.Rejected, Note: "n", At: won.Add(2 * time.Hour)}, nil)
	assert.ErrorContains(t, err, "no approver")

	// A bounded trail.
	r := record(t, "CS-3", 100, won)
	for i := range attribution.MaxDisputes {
		r, err = r.Dispute(attribution.Dispute{Partner: vocab.A, Reason: "again", At: won.Add(time.Duration(i) * time.Hour)})
		require.NoError(t, err)
		r, err = r.Resolve(attribution.Resolution{Verdict: attribution.Rejected, Approver: approvers[1], Note: "no", At: won.Add(time.Duration(i) * time.Hour)}, approvers)
		require.NoError(t, err)
	}
	_, err = r.Dispute(attribution.Dispute{Partner: vocab.A, Reason: "again", At: won.Add(100 * time.Hour)})
	assert.ErrorContains(t, err, "disputed 10 times")
}

func TestSummarize(t *testing.T) {
	one := record(t, "CS-1", 10_000_000, won)                                        // a 15,000, b 10,000: co-sold
	two := record(t, "CS-2", 4_000_000, won.Add(time.Hour))                          // co-sold too
	solo, err := attribution.Attribute(attribution.DefaultRules(), attribution.Deal{ // a alone
		CoSellID: "CS-3", Amount: usd(2_000_000), WonAt: won, Registrant: vocab.B, Plan: partnerLed(vocab.A)})
	require.NoError(t, err)
	three := attribution.Record{Result: solo}
	two, err = two.Dispute(attribution.Dispute{Partner: vocab.B, Reason: "more", At: won.Add(2 * time.Hour)})
	require.NoError(t, err)
	// Upheld: a gets the whole pool, so the partnership did not win CS-2 together after all.
	two, err = two.Resolve(attribution.Resolution{Verdict: attribution.Upheld, Currency: "USD", Approver: approvers[0], Note: "b was not involved", At: won.Add(3 * time.Hour),
		Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: two.Result.PoolMinor}, {Partner: vocab.B}}}, approvers)
	require.NoError(t, err)
	three, err = three.Dispute(attribution.Dispute{Partner: vocab.A, Reason: "we helped", At: won.Add(time.Hour)})
	require.NoError(t, err)

	f, err := attribution.Summarize("USD", []attribution.Record{three, one, two})
	require.NoError(t, err)
	assert.Equal(t, attribution.Figures{
		Currency: "USD", Attributions: 3, Disputed: 2, OpenDisputes: 1, Upheld: 1,
		RevenueMinor:      16_000_000,
		AttributableMinor: 10_000_000, // CS-1 only
		// CS-1 split 60/40 of 100,000; CS-2 all a's; CS-3 all b's.
		Credited: []attribution.SideAmount{{Partner: vocab.A, AmountMinor: 6_000_000 + 4_000_000}, {Partner: vocab.B, AmountMinor: 4_000_000 + 2_000_000}},
	}, f)
	rate, ok := f.DisputeRate()
	assert.True(t, ok)
	assert.InDelta(t, 2.0/3, rate, 1e-12)

	// Order does not matter; a deal attributed again counts by its latest attribution.
	again := record(t, "CS-1", 20_000_000, won.Add(10*time.Hour))
	g, err := attribution.Summarize("USD", []attribution.Record{again, two, one, three})
	require.NoError(t, err)
	assert.Equal(t, 3, g.Attributions)
	assert.Equal(t, int64(26_000_000), g.RevenueMinor)

	_, err = attribution.Summarize("USD", []attribution.Record{one, one})
	assert.ErrorContains(t, err, "CS-1 is attributed twice")
	_, err = attribution.Summarize("EUR", []attribution.Record{one})
	assert.True(t, errors.Is(err, money.ErrCurrencyMismatch), err)
	_, err = attribution.Summarize("euro", nil)
	assert.Error(t, err)

	empty, err := attribution.Summarize("EUR", nil)
	require.NoError(t, err)
	_, ok = empty.DisputeRate()
	assert.False(t, ok, "no attribution, no rate")
}
