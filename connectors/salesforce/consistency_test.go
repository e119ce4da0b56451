package salesforce

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// pollOverlap is the change feed's default re-read window (COSELL_POLL_OVERLAP): it must exceed the
// commit delay plus the second a whole-second stamp can lose.
const pollOverlap = 5 * time.Second

func changedIDs(t *testing.T, e *env, after connectors.Cursor) ([]string, connectors.Cursor) {
	t.Helper()
	deals, err := e.conn.ChangedDeals(ctx(t), after, 100)
	require.NoError(t, err)
	var ids []string
	cur := after
	for _, d := range deals {
		ids = append(ids, d.RecordID)
		cur = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
	}
	return ids, cur
}

// A deal written by a transaction that commits late comes in with a stamp older than the cursor. A
// poll from the cursor never sees it; a poll from the cursor minus the overlap does.
func TestLateCommitIsCaughtByTheOverlapOnly(t *testing.T) {
	e := newEnv(t, sfmock.Options{CommitDelay: sfmock.DefaultCommitDelay}, nil)
	e.clock.Advance(900 * time.Millisecond)
	late, err := e.conn.UpsertDeal(ctx(t), "CS-late", map[string]any{"Name": "Late", "StageName": "Prospecting", "CloseDate": "2026-12-31", "CoSell_Enabled__c": true})
	require.NoError(t, err)

	e.clock.Advance(time.Second)
	e.fake.SetCommitDelay(-1) // a quick transaction commits at once
	quick, err := e.conn.UpsertDeal(ctx(t), "CS-quick", map[string]any{"Name": "Quick", "StageName": "Prospecting", "CloseDate": "2026-12-31", "CoSell_Enabled__c": true})
	require.NoError(t, err)

	got, cursor := changedIDs(t, e, connectors.Cursor{})
	require.Equal(t, []string{quick.RecordID}, got, "the late deal is not committed yet")

	e.clock.Advance(sfmock.DefaultCommitDelay)
	got, _ = changedIDs(t, e, cursor)
	assert.Empty(t, got, "a naive poll from the cursor misses the late deal for good")

	got, _ = changedIDs(t, e, connectors.Cursor{ModifiedAt: cursor.ModifiedAt.Add(-pollOverlap)})
	assert.Contains(t, got, late.RecordID, "the overlap re-read delivers it, with its old stamp")
}

// A write the org commits before the answer is lost converges on retry without a duplicate: upserts are
// keyed on the co-sell id, notes on their key.
func TestFaultAfterApplyThenRetryConverges(t *testing.T) {
	e := newEnv(t, sfmock.Options{CommitDelay: sfmock.DefaultCommitDelay}, nil)
	fields := map[string]any{"Name": "Acme", "StageName": "Prospecting", "CloseDate": "2026-12-31", "CoSell_Enabled__c": true}
	e.fake.Admin().AddFault(mockkit.Fault{Endpoint: "PATCH sobjects/Opportunity/ext", Status: http.StatusServiceUnavailable, After: 1, Count: 1})
	first, err := e.conn.UpsertDeal(ctx(t), "CS-1", fields)
	require.NoError(t, err, "the transport resends an idempotent upsert")
	again, err := e.conn.UpsertDeal(ctx(t), "CS-1", fields)
	require.NoError(t, err)
	assert.Equal(t, first.RecordID, again.RecordID)
	assert.Len(t, e.fake.Opportunities(), 1)

	in := connectors.NoteInput{DealRecordID: first.RecordID, Key: "hs:1:v1", Body: "hello"}
	for _, kind := range []string{mockkit.KindStatus, mockkit.KindDrop} {
		f := mockkit.Fault{Endpoint: "POST sobjects/Task", Kind: kind, After: 1, Count: 1}
		if kind == mockkit.KindStatus {
			f.Status = http.StatusBadGateway
		}
		e.fake.Admin().AddFault(f)
		_, _ = e.conn.CreateNote(ctx(t), in)     // the answer is lost (or the connector recovers it)
		id, err := e.conn.CreateNote(ctx(t), in) // the activity's retry
		require.NoError(t, err, kind)
		assert.NotEmpty(t, id)
		assert.Len(t, e.fake.Tasks(), 1, "%s: the retry found the committed note by its key", kind)
	}
}
