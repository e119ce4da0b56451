package hubspot_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
)

// pollOverlap is the change feed's default re-read window (COSELL_POLL_OVERLAP); it must exceed the
// search index lag.
const pollOverlap = 5 * time.Second

func changed(t *testing.T, c *hubspot.Client, after connectors.Cursor) ([]string, connectors.Cursor) {
	t.Helper()
	deals, err := c.ChangedDeals(context.Background(), after, 100)
	require.NoError(t, err)
	var ids []string
	cur := after
	for _, d := range deals {
		ids = append(ids, d.RecordID)
		cur = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
	}
	return ids, cur
}

// With the connector's own index-lag guard off, as the worker runs it, a deal the index shows late has
// an older hs_lastmodifieddate than the cursor by then. A poll from the cursor misses it; a poll from
// the cursor minus the overlap delivers it.
func TestIndexLagIsCaughtByTheOverlapOnly(t *testing.T) {
	e := newEnv(t)
	require.Equal(t, fake.DefaultSearchIndexLag, e.portal.SearchIndexLag(), "the fake lags by default")
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: dealFields(), IndexLag: -1, Now: e.clk.Now})
	ctx := context.Background()

	late, err := c.UpsertDeal(ctx, "CS-late", map[string]any{"dealname": "Late", "cosell_enabled": true})
	require.NoError(t, err)
	e.clk.Advance(time.Second)
	e.portal.SetSearchIndexLag(-1) // this one happens to be indexed at once
	quick, err := c.UpsertDeal(ctx, "CS-quick", map[string]any{"dealname": "Quick", "cosell_enabled": true})
	require.NoError(t, err)
	e.portal.SetSearchIndexLag(fake.DefaultSearchIndexLag)

	got, cursor := changed(t, c, connectors.Cursor{})
	require.Equal(t, []string{quick.RecordID}, got, "the late deal is not indexed yet")

	e.clk.Advance(fake.DefaultSearchIndexLag)
	got, _ = changed(t, c, cursor)
	assert.Empty(t, got, "a naive poll from the cursor misses it for good")
	got, _ = changed(t, c, connectors.Cursor{ModifiedAt: cursor.ModifiedAt.Add(-pollOverlap)})
	assert.Contains(t, got, late.RecordID, "the overlap re-read delivers it")
}

// A write HubSpot applied before the answer was lost converges on retry without a duplicate: deal
// upserts are keyed on the co-sell id, notes on their key (found through associations, which unlike
// search see the note at once).
func TestFaultAfterApplyThenRetryConverges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.portal.Admin().AddFault(mockkit.Fault{Endpoint: "POST deals/batch/upsert", Status: http.StatusBadGateway, After: 1, Count: 1})
	first, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme", "cosell_enabled": true})
	require.NoError(t, err, "the transport resends a keyed upsert")
	again, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "Acme", "cosell_enabled": true})
	require.NoError(t, err)
	assert.Equal(t, first.RecordID, again.RecordID)
	assert.Len(t, e.portal.Deals(), 1)

	in := connectors.NoteInput{DealRecordID: first.RecordID, Key: "sf:00T1:v1", Body: "hello"}
	for _, kind := range []string{mockkit.KindStatus, mockkit.KindDrop} {
		f := mockkit.Fault{Endpoint: "POST notes", Kind: kind, After: 1, Count: 1}
		if kind == mockkit.KindStatus {
			f.Status = http.StatusBadGateway
		}
		e.portal.Admin().AddFault(f)
		_, _ = e.client.CreateNote(ctx, in)     // the answer is lost
		id, err := e.client.CreateNote(ctx, in) // the activity's retry
		require.NoError(t, err, kind)
		assert.NotEmpty(t, id)
		assert.Len(t, e.portal.Notes(), 1, "%s: the retry found the committed note by its key", kind)
	}
}
