package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/pairing"
)

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
