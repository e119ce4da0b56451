package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// parseArgs parses a command line of the command build makes (touchpointCmd, disputeCmd) up to where
// it would act, and returns the options it would act on.
func parseArgs[O any](t *testing.T, build func(func(context.Context, O, io.Writer) error) *cobra.Command, args ...string) O {
	t.Helper()
	var got O
	c := build(func(_ context.Context, o O, _ io.Writer) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(io.Discard)
	c.SetErr(io.Discard)
	require.NoError(t, c.Execute(), "%v", args)
	return got
}

func touchpointArgs(t *testing.T, args ...string) touchpointOptions {
	t.Helper()
	return parseArgs(t, touchpointCmd, args...)
}

func disputeArgs(t *testing.T, args ...string) disputeOptions {
	t.Helper()
	return parseArgs(t, disputeCmd, args...)
}

func TestTouchpointOptions(t *testing.T) {
	o := touchpointArgs(t, "CS-1", "--side", "B", "--person", "kim@globex.example", "--kind", "Technical validation", "--at", "2026-03-02T15:04:05Z", "--id", "poc-1")
	assert.False(t, o.List)
	assert.Equal(t, outputText, o.Output)
	tp, err := o.touchpoint(time.Time{})
	require.NoError(t, err)
	assert.Equal(t, touchpoint.Touchpoint{Side: vocab.B, Person: "kim@globex.example", Kind: touchpoint.TechnicalValidation,
		At: time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC), Deal: "CS-1", Source: "cli:poc-1"}, tp)

	// Flags may come first; a date is midnight UTC.
	o = touchpointArgs(t, "--side", "a", "--person", "ann@acme.example", "--kind", "demo", "--at", "2026-03-02", "-o", "json", "CS-2")
	assert.Equal(t, "CS-2", o.CoSellID)
	assert.Equal(t, outputJSON, o.Output)
	tp, err = o.touchpoint(time.Time{})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), tp.At)

	// Without --id, the same touchpoint logged twice has one source.
	now := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	o = touchpointArgs(t, "CS-1", "--side", "a", "--person", "ann@acme.example", "--kind", "demo")
	t1, err := o.touchpoint(now)
	require.NoError(t, err)
	t2, err := o.touchpoint(now.Add(10 * time.Second))
	require.NoError(t, err)
	assert.Equal(t, t1.Source, t2.Source)
	assert.Equal(t, now, t1.At, "default now")

	o = touchpointArgs(t, "list", "CS-1", "--output", "json")
	assert.Equal(t, touchpointOptions{CoSellID: "CS-1", List: true, Output: outputJSON}, o)
}

func TestDisputeOptions(t *testing.T) {
	o := disputeArgs(t, "CS-1", "--partner", "b", "--reason", "we ran the POC", "--by", "kim@globex.example")
	assert.False(t, o.Resolve)
	in, err := o.disputeInput()
	require.NoError(t, err)
	assert.Equal(t, api.DisputeInput{Partner: vocab.B, By: "kim@globex.example", Reason: "we ran the POC", Via: "cli"}, in)

	inForce := []attribution.Part{{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing}}, {Partner: vocab.B, Roles: []attribution.Role{attribution.Selling}}}
	o = disputeArgs(t, "resolve", "CS-1", "--verdict", "upheld", "--approver", "maria@acme.example", "--note", "fair", "--a", "1000.50", "--b", "250", "--b-roles", "selling,technical_validation", "-o", "json")
	assert.True(t, o.Resolve)
	assert.Equal(t, "CS-1", o.CoSellID)
	assert.Equal(t, outputJSON, o.Output)
	res, err := o.resolveInput("USD", inForce)
	require.NoError(t, err)
	assert.Equal(t, attribution.Upheld, res.Verdict)
	assert.Equal(t, "maria@acme.example", res.Approver)
	assert.Equal(t, "fair", res.Note)
	assert.Equal(t, []attribution.Part{
		{Partner: vocab.A, Roles: []attribution.Role{attribution.Sourcing}, AmountMinor: 100050},
		{Partner: vocab.B, Roles: []attribution.Role{attribution.Selling, attribution.TechnicalValidation}, AmountMinor: 25000},
	}, res.Parts)

	o = disputeArgs(t, "resolve", "CS-1", "--verdict", "rejected", "--approver", "m", "--note", "n")
	res, err = o.resolveInput("USD", inForce)
	require.NoError(t, err)
	assert.Empty(t, res.Parts, "a rejected dispute keeps the split in force")

	// The amounts are read in the deal's currency, which only the deal knows.
	o = disputeArgs(t, "resolve", "CS-1", "--verdict", "upheld", "--approver", "m", "--note", "n", "--a", "10.001", "--b", "1")
	require.NoError(t, o.checkResolve())
	_, err = o.resolveInput("USD", inForce)
	var ee *exitError
	require.True(t, errors.As(err, &ee), "more decimals than the currency has: a usage error, got %v", err)
	assert.Equal(t, exitUsage, ee.code)
	o = disputeArgs(t, "resolve", "CS-1", "--verdict", "upheld", "--approver", "m", "--note", "n", "--a", "10", "--b", "1")
	_, err = o.resolveInput("JPY", inForce)
	require.NoError(t, err)
}

// Bad command lines of deal touchpoint and deal dispute exit 2 with what is wrong, before anything is
// dialed: each case would otherwise reach the unreachable Temporal below and exit 3.
func TestEvidenceCommandsRefuseBadCommandLines(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"deal", "touchpoint", "--side", "a", "--person", "x", "--kind", "demo"}, "takes CO-SELL-ID, got 0"},
		{[]string{"deal", "touchpoint", "CS-1", "CS-2", "--side", "a", "--person", "x", "--kind", "demo"}, "takes CO-SELL-ID, got 2"},
		{[]string{"deal", "touchpoint", "CS-1", "--side", "c", "--person", "x", "--kind", "demo"}, "side"},
		{[]string{"deal", "touchpoint", "CS-1", "--side", "a", "--kind", "demo"}, "person"},
		{[]string{"deal", "touchpoint", "CS-1", "--side", "a", "--person", "x", "--kind", "lunch"}, "--kind"},
		{[]string{"deal", "touchpoint", "CS-1", "--side", "a", "--person", "x", "--kind", "demo", "--at", "yesterday"}, "--at"},
		{[]string{"deal", "touchpoint", "CS-1", "--side", "a", "--person", "x", "--kind", "demo", "--output", "yaml"}, `must be text or json, not "yaml"`},
		{[]string{"deal", "touchpoint", "list", "CS-1", "--side", "a"}, "unknown flag: --side"},
		{[]string{"deal", "touchpoint", "list"}, "takes CO-SELL-ID, got 0"},
		{[]string{"deal", "dispute", "CS-1", "--partner", "c", "--reason", "r"}, "--partner must be a or b"},
		{[]string{"deal", "dispute", "CS-1", "--partner", "b"}, "--reason is required"},
		{[]string{"deal", "dispute", "CS-1", "--partner", "b", "--reason", "r", "--verdict", "upheld"}, "unknown flag: --verdict"},
		{[]string{"deal", "dispute", "resolve", "CS-1", "--verdict", "maybe", "--approver", "m", "--note", "n"}, "upheld or rejected"},
		{[]string{"deal", "dispute", "resolve", "CS-1", "--verdict", "upheld", "--approver", "m", "--note", "n", "--a", "10"}, "--a and --b"},
		{[]string{"deal", "dispute", "resolve", "CS-1", "--verdict", "rejected", "--approver", "m", "--note", "n", "--a", "1"}, "keeps the split in force"},
		{[]string{"deal", "dispute", "resolve", "CS-1", "--verdict", "rejected", "--partner", "b"}, "unknown flag: --partner"},
		{[]string{"deal", "dispute", "resolve"}, "takes CO-SELL-ID, got 0"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err := run(ctx, tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		cancel()
		require.Error(t, err, "%v", tc.args)
		assert.Equal(t, exitUsage, exitCode(err), "%v: %v", tc.args, err)
		assert.ErrorContains(t, err, tc.msg, "%v", tc.args)
	}
}

func TestEvidenceFlagValuesComplete(t *testing.T) {
	complete := func(args ...string) string {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), append([]string{"__complete"}, args...), &out, &bytes.Buffer{}))
		return out.String()
	}
	assert.Contains(t, complete("deal", ""), "touchpoint\t")
	assert.Contains(t, complete("deal", ""), "dispute\t")
	assert.Contains(t, complete("deal", "touchpoint", "CS-1", "--kind", ""), "technical_validation\n")
	assert.Contains(t, complete("deal", "touchpoint", "CS-1", "--side", ""), "b\n")
	s := complete("deal", "dispute", "resolve", "CS-1", "--verdict", "")
	assert.Contains(t, s, "upheld\n")
	assert.Contains(t, s, "rejected\n")
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
