package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/drift"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

func demoPairing(t *testing.T) *pairing.Pairing {
	p, err := pairing.Load("../../examples/demo/pairing.yaml")
	require.NoError(t, err)
	return p
}

func TestVerifyReportCountsAndExitsOneOnDrift(t *testing.T) {
	rep := verifyReport{PairingID: "acme-globex", Deals: []verifiedDeal{
		{DealDrift: activities.DealDrift{CoSellID: "CS-B", Report: drift.Report{Status: drift.Agree}}},
		{DealDrift: activities.DealDrift{CoSellID: "CS-C", Report: drift.Report{Status: drift.Drift, Fields: []drift.Field{
			{Field: "stage", A: "proposal", B: "decision", Why: "the sides hold different values"},
			{Field: "next_step", A: "call ", B: "", Why: "the sides hold different values"}}},
			Issues: []api.SyncIssue{{Side: vocab.A, Field: "stage", Kind: vocab.IssueRejected, Message: "bad value for restricted picklist"}}}},
		{DealDrift: activities.DealDrift{CoSellID: "CS-A", Report: drift.Report{Status: drift.Paused}}},
		{DealDrift: activities.DealDrift{CoSellID: "CS-D", Report: drift.Report{Status: drift.Missing, Missing: []vocab.Side{vocab.B}}}},
	}}
	rep.count()
	assert.Equal(t, 4, rep.Verified)
	assert.Equal(t, 1, rep.Drifting)
	assert.Equal(t, 2, rep.Fields)
	assert.Equal(t, "CS-C", rep.Deals[0].CoSellID, "drifting deals first")
	err := rep.verdict()
	assert.Equal(t, exitFinding, exitCode(err))
	assert.EqualError(t, err, "2 fields drift on 1 deals of acme-globex")

	var out bytes.Buffer
	printVerify(&out, rep, demoPairing(t))
	text := out.String()
	assert.Contains(t, text, "4 deals verified against both CRMs, 1 drifting (2 fields)")
	assert.Regexp(t, `CS-C\s+stage\s+proposal\s+decision\s+the sides hold different values`, text)
	assert.Contains(t, text, `"call "`, "trailing spaces are visible")
	assert.Contains(t, text, "(empty)")
	assert.Contains(t, text, "sync issue on a stage: bad value for restricted picklist")
	assert.Contains(t, text, "CS-A: out of co-sell on both sides; not compared")
	assert.Contains(t, text, "CS-D: no record on side b")
	assert.Contains(t, text, "A (Acme)")
}

func TestVerifyReportAgreeingIsExitZeroAndUnreadIsOne(t *testing.T) {
	rep := verifyReport{PairingID: "p", Deals: []verifiedDeal{{DealDrift: activities.DealDrift{CoSellID: "CS-A", Report: drift.Report{Status: drift.Agree}}}}}
	rep.count()
	assert.NoError(t, rep.verdict())
	rep.Deals = append(rep.Deals, verifiedDeal{DealDrift: activities.DealDrift{CoSellID: "CS-B"}, Error: "read deal on a: 503"})
	rep.count()
	assert.Equal(t, 1, rep.Verified)
	assert.Equal(t, exitFinding, exitCode(rep.verdict()))
	assert.ErrorContains(t, rep.verdict(), "1 deals of p could not be verified")
}

func TestHealedListsTheFieldsThatAgreeNow(t *testing.T) {
	before := verifiedDeal{DealDrift: activities.DealDrift{Report: drift.Report{Status: drift.Drift, Fields: []drift.Field{
		{Field: "next_step", A: "call", B: "send quote"}, {Field: "stage", A: "proposal", B: "legal (unmapped)", Unmapped: true}}}}}
	now := verifiedDeal{DealDrift: activities.DealDrift{
		Report: drift.Report{Status: drift.Drift, Fields: []drift.Field{{Field: "stage", A: "proposal", B: "legal (unmapped)", Unmapped: true}}},
		Sides:  map[vocab.Side]api.SideState{vocab.A: {Found: true, Values: map[string]string{"next_step": "send quote"}}},
	}}
	assert.Equal(t, []healedField{{Field: "next_step", A: "call", B: "send quote", Now: "send quote"}}, healed(before, now))
}

func TestReconcileRefusesANonPositiveWait(t *testing.T) {
	err := run(context.Background(), []string{"reconcile", "acme-globex", "--wait", "0s"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, exitUsage, exitCode(err))
	assert.ErrorContains(t, err, "--wait must be positive")
}

func TestVerifyNeedsAPairing(t *testing.T) {
	for _, cmd := range []string{"verify", "reconcile"} {
		err := run(context.Background(), []string{cmd}, &bytes.Buffer{}, &bytes.Buffer{})
		assert.Equal(t, exitUsage, exitCode(err), cmd)
	}
}

func TestVerifyOfAPairingTheWorkerDoesNotServeIsAUsageError(t *testing.T) {
	t.Setenv("COSELL_PAIRINGS_DIR", t.TempDir())
	t.Setenv("COSELL_PAIRING_FILE", "")
	for _, cmd := range []string{"verify", "reconcile"} {
		err := run(context.Background(), []string{cmd, "acme-globex"}, &bytes.Buffer{}, &bytes.Buffer{})
		assert.Equal(t, exitUsage, exitCode(err), "%s: %v", cmd, err)
		assert.ErrorContains(t, err, "pairing acme-globex is not among the worker's pairings (it serves none)")
	}
}
