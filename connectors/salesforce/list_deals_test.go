package salesforce

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// TestListDealsPagesEveryOpportunity: flagged or not, every opportunity comes once, in keyset order,
// even when many share one SystemModstamp.
func TestListDealsPagesEveryOpportunity(t *testing.T) {
	e := newEnv(t, sfmock.Options{}, nil)
	var opps []sfmock.Record
	for i := range 520 {
		opps = append(opps, oppSeed(fmt.Sprintf("Deal %03d", i), sfmock.Record{"CoSell_Enabled__c": i%5 == 0}))
	}
	e.seed(sfmock.SeedData{Opportunities: opps})
	seen := map[string]bool{}
	var cur connectors.Cursor
	for calls := 0; ; calls++ {
		require.Less(t, calls, 10, "cursor stuck")
		deals, err := e.conn.ListDeals(ctx(t), cur, 200)
		require.NoError(t, err)
		for _, d := range deals {
			require.True(t, cur.Less(d.ModifiedAt, d.RecordID), "deal %s at %s is not after the cursor %v", d.RecordID, d.ModifiedAt, cur)
			assert.False(t, seen[d.RecordID], "read once")
			seen[d.RecordID] = true
			cur = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
		}
		if len(deals) < 200 {
			break
		}
	}
	assert.Len(t, seen, 520, "unflagged opportunities too")
}
