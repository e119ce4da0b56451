package hubspot_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

type pos struct {
	at time.Time
	id string
}

// seedDeals seeds co-sell deals, n per timestamp for each of the given timestamps, plus one deal per
// timestamp that is not flagged for co-sell. It returns the flagged ones in (time, id) order.
func seedDeals(t *testing.T, e *env, perStamp map[time.Time]int) []pos {
	t.Helper()
	var seed fake.SeedData
	next := 30_000_000_000
	var want []pos
	stamps := make([]time.Time, 0, len(perStamp))
	for s := range perStamp {
		stamps = append(stamps, s)
	}
	sort.Slice(stamps, func(i, j int) bool { return stamps[i].Before(stamps[j]) })
	for _, s := range stamps {
		for i := 0; i <= perStamp[s]; i++ {
			next++
			id := fmt.Sprint(next)
			// The last deal of each stamp was never co-sold (no flag, no co-sell id): it is not read.
			enabled := i < perStamp[s]
			props := map[string]any{"dealname": "deal " + id, "cosell_enabled": fmt.Sprint(enabled)}
			if enabled {
				props["cosell_id"] = "CS-" + id
			}
			seed.Deals = append(seed.Deals, fake.SeedRecord{
				ID: id, UpdatedAt: s.Format(time.RFC3339Nano), CreatedAt: s.Format(time.RFC3339Nano), Properties: props,
			})
			if enabled {
				want = append(want, pos{s, id})
			}
		}
	}
	require.NoError(t, e.portal.Seed(seed))
	return want
}

// drain pages ChangedDeals from the zero cursor to the end.
func drain(t *testing.T, c *hubspot.Client, limit int) []pos {
	t.Helper()
	var got []pos
	var cur connectors.Cursor
	for calls := 0; ; calls++ {
		require.Less(t, calls, 1000, "the cursor must keep moving")
		page, err := c.ChangedDeals(context.Background(), cur, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit)
		if len(page) == 0 {
			return got
		}
		for _, d := range page {
			require.True(t, cur.Less(d.ModifiedAt, d.RecordID), "every deal sorts after the cursor")
			got = append(got, pos{d.ModifiedAt, d.RecordID})
			assert.True(t, d.Enabled)
			cur = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
		}
	}
}

func TestChangedDealsKeysetAcrossSharedTimestamps(t *testing.T) {
	base := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	e := newEnv(t)
	want := seedDeals(t, e, map[time.Time]int{
		base:                           3,
		base.Add(time.Millisecond):     250, // more than a search page shares one timestamp
		base.Add(2 * time.Millisecond): 1,
		base.Add(time.Second):          12,
		base.Add(time.Hour):            5,
	})
	for _, limit := range []int{1, 7, 100, 199, 200, 201, 500} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			assert.Equal(t, want, drain(t, e.client, limit))
		})
	}
}

func TestChangedDealsIncludesUnflaggedCoSellDeals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.UpsertDeal(ctx, "CS-1", map[string]any{"dealname": "was co-sold", "cosell_enabled": false})
	require.NoError(t, err)
	_, err = e.client.UpsertDeal(ctx, "CS-2", map[string]any{"dealname": "co-sold", "cosell_enabled": true})
	require.NoError(t, err)
	e.clk.Advance(time.Minute) // past any index lag
	page, err := e.client.ChangedDeals(ctx, connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page, 2, "a deal taken out of co-sell is read, so its deal workflow sees the unflag")
	assert.False(t, page[0].Enabled)
}

func TestChangedDealsResumesInsideATimestamp(t *testing.T) {
	base := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	e := newEnv(t)
	want := seedDeals(t, e, map[time.Time]int{base: 10, base.Add(time.Millisecond): 2})
	page, err := e.client.ChangedDeals(context.Background(), connectors.Cursor{ModifiedAt: base, ID: want[4].id}, 3)
	require.NoError(t, err)
	require.Len(t, page, 3)
	for i, d := range page {
		assert.Equal(t, want[5+i].id, d.RecordID)
	}
	page, err = e.client.ChangedDeals(context.Background(), connectors.Cursor{ModifiedAt: base, ID: want[9].id}, 3)
	require.NoError(t, err)
	require.Len(t, page, 2, "the records of the next timestamp")
	assert.Equal(t, want[10].id, page[0].RecordID)
}

func TestChangedDealsWaitsForTheIndexLag(t *testing.T) {
	e := newEnv(t)
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken, IndexLag: 5 * time.Second, Now: e.clk.Now})
	_, err := c.UpsertDeal(context.Background(), "CS-1", map[string]any{"dealname": "fresh", "cosell_enabled": true})
	require.NoError(t, err)
	page, err := c.ChangedDeals(context.Background(), connectors.Cursor{}, 10)
	require.NoError(t, err)
	assert.Empty(t, page, "a deal modified just now may not be in HubSpot's search index yet")
	e.clk.Advance(6 * time.Second)
	page, err = c.ChangedDeals(context.Background(), connectors.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "CS-1", page[0].CoSellID)
}

func TestChangedDealsSurvivesSearchSecondlyLimit(t *testing.T) {
	base := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	e := newEnv(t, func(o *fake.Options) { o.SearchRateLimit = 2; o.Now = nil })
	want := seedDeals(t, e, map[time.Time]int{base: 6})
	got := drain(t, e.client, 4)
	assert.Equal(t, want, got)
}
