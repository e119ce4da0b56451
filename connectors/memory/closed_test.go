package memory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

// ticking is a clock that advances a minute per reading, as the memory CRM requires.
func ticking(start time.Time) func() time.Time {
	t := start
	return func() time.Time {
		t = t.Add(time.Minute)
		return t
	}
}

var (
	q1From = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q1To   = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
)

func TestClosedSoloDealsSalesforceFields(t *testing.T) {
	fields := connectors.DealFields{CoSellID: "CoSell_Id__c", Enabled: "CoSell_Enabled__c", Owner: "OwnerId"}
	start := time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	c := New("salesforce", fields, ticking(start))

	won := c.Put("", map[string]any{"StageName": "Closed Won", "Amount": 1000.0, "CloseDate": "2026-01-01", "CreatedDate": "2025-10-01T08:00:00.000+0000"})
	lost := c.Put("", map[string]any{"StageName": "Closed Lost", "CloseDate": "2026-03-31", "CoSell_Enabled__c": false})
	// A custom closed stage counts by the flags Salesforce computes from the stage's settings.
	custom := c.Put("", map[string]any{"StageName": "Signed", "IsClosed": true, "IsWon": true, "Amount": 5, "CloseDate": "2026-02-02"})
	c.Put("", map[string]any{"StageName": "Closed Won", "CloseDate": "2026-02-01", "CoSell_Enabled__c": true}) // co-sold
	c.Put("", map[string]any{"StageName": "Negotiation/Review", "CloseDate": "2026-02-01"})                    // open
	c.Put("", map[string]any{"StageName": "Closed Won", "CloseDate": "2025-12-31"})                            // before
	c.Put("", map[string]any{"StageName": "Closed Won", "CloseDate": "2026-04-01"})                            // at the end: excluded
	// Flagged, then unflagged: solo again.
	unflagged := c.Put("", map[string]any{"StageName": "Closed Lost", "CloseDate": "2026-02-15", "CoSell_Enabled__c": true})
	c.Put(unflagged, map[string]any{"CoSell_Enabled__c": nil})

	got, err := c.ClosedSoloDeals(context.Background(), q1From, q1To)
	require.NoError(t, err)
	byID := map[string]connectors.ClosedDeal{}
	for _, d := range got {
		byID[d.RecordID] = d
	}
	require.Len(t, byID, 4, "%+v", got)
	assert.Equal(t, connectors.ClosedDeal{RecordID: won, Amount: 1000, Won: true,
		CreatedAt: time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC), ClosedAt: q1From}, byID[won])
	assert.False(t, byID[lost].Won)
	assert.Zero(t, byID[lost].Amount, "no amount counts 0")
	assert.Equal(t, start.Add(2*time.Minute), byID[lost].CreatedAt, "without CreatedDate: when the deal was written here")
	assert.Equal(t, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), byID[lost].ClosedAt)
	assert.True(t, byID[custom].Won)
	assert.Equal(t, 5.0, byID[custom].Amount)
	assert.Contains(t, byID, unflagged)
}

func TestClosedSoloDealsHubSpotFields(t *testing.T) {
	fields := connectors.DealFields{CoSellID: "cosell_id", Enabled: "cosell_enabled", Owner: "hubspot_owner_id"}
	c := New("hubspot", fields, ticking(time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)))
	won := c.Put("", map[string]any{"dealstage": "closedwon", "amount": "1200.5", "closedate": "2026-02-10T00:00:00Z", "createdate": "2026-01-05T10:00:00Z"})
	lost := c.Put("", map[string]any{"dealstage": "closedlost", "closedate": "1767225600000", "cosell_enabled": "false"}) // 2026-01-01
	flagged := c.Put("", map[string]any{"dealstage": "lostforever", "hs_is_closed": "true", "hs_is_closed_won": "false", "closedate": "2026-03-01T12:00:00Z"})
	c.Put("", map[string]any{"dealstage": "closedwon", "closedate": "2026-02-10T00:00:00Z", "cosell_enabled": "true"})
	c.Put("", map[string]any{"dealstage": "contractsent", "closedate": "2026-02-10T00:00:00Z"})
	c.Put("", map[string]any{"dealstage": "closedwon"}) // no close date: in no window
	c.Put("", map[string]any{"dealstage": "closedwon", "closedate": "2026-03-31T23:59:59.999Z", "amount": "not a number", "cosell_enabled": "true"})

	got, err := c.ClosedSoloDeals(context.Background(), q1From, q1To)
	require.NoError(t, err)
	require.Len(t, got, 3, "%+v", got)
	byID := map[string]connectors.ClosedDeal{}
	for _, d := range got {
		byID[d.RecordID] = d
	}
	assert.Equal(t, connectors.ClosedDeal{RecordID: won, Amount: 1200.5, Won: true,
		CreatedAt: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), ClosedAt: time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)}, byID[won])
	assert.Equal(t, q1From, byID[lost].ClosedAt)
	assert.False(t, byID[lost].Won)
	assert.False(t, byID[flagged].Won)

	// A window that is empty or reversed is a caller's mistake.
	_, err = c.ClosedSoloDeals(context.Background(), q1To, q1From)
	assert.Error(t, err)

	// A solo closed deal with a broken amount is reported, not counted as 0.
	c.Put("", map[string]any{"dealstage": "closedwon", "closedate": "2026-02-10T00:00:00Z", "amount": "lots"})
	_, err = c.ClosedSoloDeals(context.Background(), q1From, q1To)
	assert.ErrorContains(t, err, `amount "lots" is not a number`)
}

func TestClosedSoloDealsNeedsAKnownKind(t *testing.T) {
	c := New("pipedrive", connectors.DealFields{}, ticking(time.Now()))
	_, err := c.ClosedSoloDeals(context.Background(), q1From, q1To)
	assert.ErrorContains(t, err, "no closed-deal fields known")
}
