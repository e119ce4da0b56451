package hubspot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

// TestListDealsReadsFlaggedAndUnflaggedDealsOnce: a backfill pages every deal, co-sold or not, across
// a timestamp shared by more than a search page, from a cursor that includes its own instant.
func TestListDealsReadsFlaggedAndUnflaggedDealsOnce(t *testing.T) {
	base := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	e := newEnv(t)
	flagged := seedDeals(t, e, map[time.Time]int{base: 3, base.Add(time.Millisecond): 250, base.Add(time.Hour): 5})
	seen := map[string]bool{}
	cur := connectors.Cursor{ModifiedAt: base} // --since the first instant: its deals are read
	for calls := 0; ; calls++ {
		require.Less(t, calls, 100, "the cursor must keep moving")
		page, err := e.client.ListDeals(context.Background(), cur, 200)
		require.NoError(t, err)
		for _, d := range page {
			require.True(t, cur.Less(d.ModifiedAt, d.RecordID), "every deal sorts after the cursor")
			assert.False(t, seen[d.RecordID], "read once")
			seen[d.RecordID] = true
			cur = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
		}
		if len(page) < 200 {
			break
		}
	}
	// seedDeals adds one deal never co-sold per timestamp.
	assert.Len(t, seen, len(flagged)+3, "unflagged deals are read too")
	for _, p := range flagged {
		assert.True(t, seen[p.id])
	}
}
