package activities_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/backfill"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/internal/feedtest"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

func backfillActivities(t *testing.T) (*activities.Activities, *pairing.Pairing, *memory.CRM, *memory.CRM, *feedtest.Deals) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { at = at.Add(time.Second); return at }
	sf, hs := memory.New("salesforce", p.DealFields(pairing.A), clock), memory.New("hubspot", p.DealFields(pairing.B), clock)
	deals := &feedtest.Deals{}
	return &activities.Activities{Deals: deals, Pairings: map[string]*activities.Connection{
		p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{pairing.A: sf, pairing.B: hs}}}}, p, sf, hs, deals
}

// TestBackfillScanResumesFromItsHeartbeat: an attempt retried after its worker died starts from the
// last heartbeat's cursor and keeps the records it had read, reading no page twice.
func TestBackfillScanResumesFromItsHeartbeat(t *testing.T) {
	acts, p, sf, _, _ := backfillActivities(t)
	for i := range 5 {
		sf.Put("", map[string]any{"Name": fmt.Sprintf("Deal %d", i), "Account.Website": "https://acme.example", "CloseDate": "2026-12-01", "Amount": 100.0})
	}
	all := sf.Deals()
	require.Len(t, all, 5)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	// The dead attempt had read the first two deals (its heartbeat holds them, with a marker title
	// that a fresh read would not give).
	third := all[1]
	env.SetHeartbeatDetails(api.BackfillScanResult{
		Records: []backfill.Record{{ID: all[0].RecordID, Title: "from the heartbeat"}, {ID: all[1].RecordID, Title: "from the heartbeat"}},
		Next:    connectors.Cursor{ModifiedAt: third.ModifiedAt, ID: third.RecordID},
	})
	v, err := env.ExecuteActivity(acts.BackfillScan, api.BackfillScanInput{PairingID: p.ID, Side: vocab.A, Pages: 3, PageSize: 2})
	require.NoError(t, err)
	var res api.BackfillScanResult
	require.NoError(t, v.Get(&res))
	require.Len(t, res.Records, 5, "the two from the heartbeat and the three after them")
	assert.Equal(t, "from the heartbeat", res.Records[1].Title)
	assert.Equal(t, "Deal 2", res.Records[2].Title)
	assert.Equal(t, "acme.example", res.Records[2].Domain, "the account domain is normalized")
	assert.Equal(t, "2026-12-01", res.Records[2].CloseDate)
	require.NotNil(t, res.Records[2].Amount)
	assert.Equal(t, 100.0, *res.Records[2].Amount)
	assert.True(t, res.Done)
}

// TestBackfillLinkSkipsAPairChangedSinceTheScan: a record that took another co-sell id after the scan
// is left alone with the reason; the other pair is linked, side b stamped with the same id.
func TestBackfillLinkSkipsAPairChangedSinceTheScan(t *testing.T) {
	acts, p, sf, hs, deals := backfillActivities(t)
	a1 := sf.Put("", map[string]any{"Name": "One"})
	b1 := hs.Put("", map[string]any{"dealname": "One"})
	a2 := sf.Put("", map[string]any{"Name": "Two"})
	b2 := hs.Put("", map[string]any{"dealname": "Two", "cosell_id": "CS-ELSEWHERE"})
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(acts.BackfillLink, api.BackfillLinkInput{PairingID: p.ID, Pairs: []backfill.Pair{
		{A: backfill.Record{ID: a1}, B: backfill.Record{ID: b1}, By: backfill.ByDeal},
		{A: backfill.Record{ID: a2}, B: backfill.Record{ID: b2}, By: backfill.ByDeal},
	}})
	require.NoError(t, err)
	var res api.BackfillLinkResult
	require.NoError(t, v.Get(&res))
	require.Len(t, res.Linked, 1)
	require.Len(t, res.Skipped, 1)
	assert.Contains(t, res.Skipped[0].Reason, "carries co-sell id CS-ELSEWHERE")
	d2, _ := sf.Deal(a2)
	assert.Empty(t, d2.CoSellID, "the skipped pair is not stamped")
	d1, _ := hs.Deal(b1)
	assert.Equal(t, api.NewCoSellID(p.ID, vocab.A, a1), d1.CoSellID)
	assert.Equal(t, 1, deals.Started(d1.CoSellID))
}

// TestBackfillScanLeavesRegistrationsInFlightToTheSync: a deal flagged with no co-sell id yet is the
// change feed's to register; the scan marks it as the sync's, so the matcher never links it.
func TestBackfillScanLeavesRegistrationsInFlightToTheSync(t *testing.T) {
	acts, p, sf, _, _ := backfillActivities(t)
	flagged := sf.Put("", map[string]any{"Name": "Flagged", "CoSell_Enabled__c": true})
	plain := sf.Put("", map[string]any{"Name": "Plain"})
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(acts.BackfillScan, api.BackfillScanInput{PairingID: p.ID, Side: vocab.A, Pages: 1})
	require.NoError(t, err)
	var res api.BackfillScanResult
	require.NoError(t, v.Get(&res))
	require.Len(t, res.Records, 2)
	for _, r := range res.Records {
		assert.Equal(t, r.ID == flagged, r.Linked, "record %s (flagged %s, plain %s)", r.ID, flagged, plain)
	}
}
