package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
)

// writeDealEnv runs WriteDeal in the SDK's activity test environment against one in-memory CRM as side a.
func writeDealEnv(t *testing.T, conditional bool) (*testsuite.TestActivityEnvironment, *memory.CRM, *pairing.Pairing) {
	t.Helper()
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	mem := memory.New("salesforce", p.DealFields(pairing.A), func() time.Time { now = now.Add(time.Second); return now })
	var crm connectors.CRM = mem
	if conditional {
		crm = memory.Conditional(mem)
	}
	a := &Activities{Pairings: map[string]*Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: crm}}}}
	env := (&testsuite.WorkflowTestSuite{}).NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return env, mem, p
}

func TestWriteDealIsConditionalWhereTheCRMCanBe(t *testing.T) {
	env, crm, p := writeDealEnv(t, true)
	rec := crm.Put("", map[string]any{"Name": "D", "NextStep": "call", "CoSell_Enabled__c": true})
	read, _ := crm.Deal(rec)
	crm.Put(rec, map[string]any{"NextStep": "a rep's edit"})

	a := &Activities{}
	in := WriteDealInput{PairingID: p.ID, Side: pairing.A, CoSellID: "CS-1", RecordID: rec,
		Values: map[string]string{"next_step": "the sync's write"}, UnmodifiedSince: read.ModifiedAt}
	_, err := env.ExecuteActivity(a.WriteDeal, in)
	require.Error(t, err)
	rej, ok := RejectionOf(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, CodeModified, rej.Code, "a distinct code the workflow maps to its own failure kind")
	assert.Equal(t, "salesforce", rej.CRM)
	d, _ := crm.Deal(rec)
	assert.Equal(t, "a rep's edit", d.Fields["NextStep"], "nothing written")

	in.UnmodifiedSince = d.ModifiedAt
	v, err := env.ExecuteActivity(a.WriteDeal, in)
	require.NoError(t, err, "conditioned on the latest look, the write lands")
	var out WriteDealResult
	require.NoError(t, v.Get(&out))
	assert.Equal(t, "the sync's write", out.Stored["next_step"])
	assert.True(t, out.ModifiedAt.After(d.ModifiedAt))
}

func TestWriteDealWithoutConditionalWritesIgnoresTheCondition(t *testing.T) {
	env, crm, p := writeDealEnv(t, false) // HubSpot offers no conditional write
	rec := crm.Put("", map[string]any{"Name": "D", "NextStep": "call", "CoSell_Enabled__c": true})
	read, _ := crm.Deal(rec)
	crm.Put(rec, map[string]any{"NextStep": "a rep's edit"})

	a := &Activities{}
	_, err := env.ExecuteActivity(a.WriteDeal, WriteDealInput{PairingID: p.ID, Side: pairing.A, CoSellID: "CS-1", RecordID: rec,
		Values: map[string]string{"next_step": "the sync's write"}, UnmodifiedSince: read.ModifiedAt})
	require.NoError(t, err)
	d, _ := crm.Deal(rec)
	assert.Equal(t, "the sync's write", d.Fields["NextStep"], "the residual race: the rep's edit is overwritten")
}

func TestStampCoSellIDReadsTheRecordBack(t *testing.T) {
	env, crm, p := writeDealEnv(t, true)
	rec := crm.Put("", map[string]any{"Name": "D", "CoSell_Enabled__c": true})
	a := &Activities{}
	v, err := env.ExecuteActivity(a.StampCoSellID, StampInput{PairingID: p.ID, Side: pairing.A, RecordID: rec, CoSellID: "CS-1"})
	require.NoError(t, err)
	var out StampResult
	require.NoError(t, v.Get(&out))
	require.NotNil(t, out.Deal)
	d, _ := crm.Deal(rec)
	assert.Equal(t, "CS-1", out.Deal.CoSellID)
	assert.Equal(t, d.ModifiedAt, out.Deal.ModifiedAt, "the stamp of the stamp write itself")
	assert.Equal(t, "D", out.Deal.Values["name"])
}

// A note whose body must be read from its source (it was carried across continue-as-new) and whose
// source is gone is refused as that note, never reported as NOT_FOUND, which would tell the engine
// that the deal's record on the side being written is missing: it would read that side and try the
// note again, forever (found by the workflow model test, TestWorkflowModel).
func TestMirrorNoteOfADeletedSourceNoteIsARejection(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	sf, hs := memory.New("salesforce", p.DealFields(pairing.A), clock), memory.New("hubspot", p.DealFields(pairing.B), clock)
	src := sf.Put("", map[string]any{"Name": "D", "CoSell_Enabled__c": true})
	note := sf.AddNote(src, "#partner hello", "")
	mirror := hs.Put("", map[string]any{"dealname": "D", "cosell_enabled": true})
	sf.Delete(src)
	a := &Activities{Pairings: map[string]*Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: sf, pairing.B: hs}}}}

	_, err = a.MirrorNote(context.Background(), MirrorNoteInput{PairingID: p.ID, Side: pairing.B, DealRecordID: mirror,
		Key: "N-1", Prefix: "[Acme]", SourceSide: pairing.A, SourceNoteID: note})
	rej, ok := RejectionOf(err)
	require.True(t, ok, "a rejection: %v", err)
	assert.Equal(t, CodeSourceNoteGone, rej.Code)
	assert.Empty(t, hs.Notes(mirror), "nothing is written")
}
