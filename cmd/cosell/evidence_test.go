package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

func TestTouchpointOptions(t *testing.T) {
	o, err := parseTouchpointOptions([]string{"CS-1", "--side", "B", "--person", "kim@globex.example", "--kind", "Technical validation", "--at", "2026-03-02T15:04:05Z", "--id", "poc-1"})
	require.NoError(t, err)
	tp, err := o.touchpoint(time.Time{})
	require.NoError(t, err)
	assert.Equal(t, touchpoint.Touchpoint{Side: vocab.B, Person: "kim@globex.example", Kind: touchpoint.TechnicalValidation,
		At: time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC), Deal: "CS-1", Source: "cli:poc-1"}, tp)

	// Without --id, the same touchpoint logged twice has one source.
	now := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	o, err = parseTouchpointOptions([]string{"CS-1", "--side", "a", "--person", "ann@acme.example", "--kind", "demo"})
	require.NoError(t, err)
	t1, err := o.touchpoint(now)
	require.NoError(t, err)
	t2, err := o.touchpoint(now.Add(10 * time.Second))
	require.NoError(t, err)
	assert.Equal(t, t1.Source, t2.Source)

	o, err = parseTouchpointOptions([]string{"list", "CS-1", "--output", "json"})
	require.NoError(t, err)
	assert.True(t, o.List)
	assert.Equal(t, "CS-1", o.CoSellID)

	for _, args := range [][]string{
		{"CS-1", "--side", "c", "--person", "x", "--kind", "demo"},
		{"CS-1", "--side", "a", "--kind", "demo"},
		{"CS-1", "--side", "a", "--person", "x", "--kind", "lunch"},
		{"CS-1", "--side", "a", "--person", "x", "--kind", "demo", "--at", "yesterday"},
	} {
		o, err := parseTouchpointOptions(args)
		require.NoError(t, err)
		_, err = o.touchpoint(now)
		var ee *exitError
		require.True(t, errors.As(err, &ee), "%v: a usage error", args)
		assert.Equal(t, 2, ee.code)
	}
	_, err = parseTouchpointOptions([]string{"--side", "a"})
	require.Error(t, err, "no deal")
}

func TestDisputeOptions(t *testing.T) {
	o, err := parseDisputeOptions([]string{"CS-1", "--partner", "b", "--reason", "we ran the POC", "--by", "kim@globex.example"})
	require.NoError(t, err)
	in, err := o.disputeInput()
	require.NoError(t, err)
	assert.Equal(t, vocab.B, in.Partner)
	assert.Equal(t, "we ran the POC", in.Reason)

	o, _ = parseDisputeOptions([]string{"CS-1", "--partner", "b"})
	_, err = o.disputeInput()
	require.ErrorContains(t, err, "--reason is required")

	inForce := []attribution.Part{{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing}}, {Partner: vocab.B, Roles: []attribution.Role{attribution.Selling}}}
	o, err = parseDisputeOptions([]string{"resolve", "CS-1", "--verdict", "upheld", "--approver", "maria@acme.example", "--note", "fair", "--a", "1000.50", "--b", "250", "--b-roles", "selling,technical_validation"})
	require.NoError(t, err)
	res, err := o.resolveInput("USD", inForce)
	require.NoError(t, err)
	assert.Equal(t, []attribution.Part{
		{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing}, AmountMinor: 100050},
		{Partner: vocab.B, Roles: []attribution.Role{attribution.Selling, attribution.TechnicalValidation}, AmountMinor: 25000},
	}, res.Parts)

	o, _ = parseDisputeOptions([]string{"resolve", "CS-1", "--verdict", "upheld", "--approver", "m", "--note", "n", "--a", "10"})
	_, err = o.resolveInput("USD", inForce)
	require.ErrorContains(t, err, "--a and --b")
	o, _ = parseDisputeOptions([]string{"resolve", "CS-1", "--verdict", "upheld", "--approver", "m", "--note", "n", "--a", "10.001", "--b", "1"})
	_, err = o.resolveInput("USD", inForce)
	require.Error(t, err, "more decimals than the currency has")
	o, _ = parseDisputeOptions([]string{"resolve", "CS-1", "--verdict", "rejected", "--approver", "m", "--note", "n", "--a", "1"})
	_, err = o.resolveInput("USD", inForce)
	require.ErrorContains(t, err, "keeps the split in force")
	o, _ = parseDisputeOptions([]string{"resolve", "CS-1", "--verdict", "maybe"})
	_, err = o.resolveInput("USD", inForce)
	require.ErrorContains(t, err, "upheld or rejected")
}

func TestDealShowPrintsTouchpointsAndTheSplitInForce(t *testing.T) {
	res := &attribution.Result{CoSellID: "CS-1", Currency: "USD", AmountMinor: 100000, PoolMinor: 25000,
		Parts: []attribution.Part{{Partner: vocab.A, AmountMinor: 20000}, {Partner: vocab.B, AmountMinor: 5000}}}
	cs := &api.CoSellView{Model: "partner_led", Motion: "sell_with", Vendor: vocab.B, Attribution: res,
		Touchpoints: &api.EvidenceView{Total: 3},
		Parts:       []attribution.Part{{Partner: vocab.A, AmountMinor: 12500}, {Partner: vocab.B, AmountMinor: 12500}},
		Disputes: []attribution.Dispute{{Partner: vocab.B, Reason: "we ran the POC",
			Resolution: &attribution.Resolution{Verdict: attribution.Upheld, Approver: "maria@acme.example"}}}}
	var b strings.Builder
	printCoSell(&b, cs)
	out := b.String()
	assert.Contains(t, out, "Touchpoints: 3")
	assert.Contains(t, out, "a USD 125.00, b USD 125.00", "the corrected split, not the original")
	assert.Contains(t, out, "Disputes: 1; the last by b: we ran the POC (upheld by maria@acme.example)")
}
