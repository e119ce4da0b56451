package hubspot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

var (
	q1From = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q1To   = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
)

func byRecordID(t *testing.T, deals []connectors.ClosedDeal) map[string]connectors.ClosedDeal {
	t.Helper()
	out := map[string]connectors.ClosedDeal{}
	for _, d := range deals {
		_, dup := out[d.RecordID]
		require.False(t, dup, "deal %s returned twice", d.RecordID)
		out[d.RecordID] = d
	}
	return out
}

func TestClosedSoloDealsAgainstTheFake(t *testing.T) {
	e := newEnv(t)
	created := "2025-11-03T09:30:00Z"
	seed := fake.SeedData{Deals: []fake.SeedRecord{
		{ID: "101", CreatedAt: created, Properties: map[string]any{"dealname": "won at the start", "dealstage": "closedwon", "amount": "1200.5", "closedate": "2026-01-01T00:00:00Z"}},
		{ID: "102", Properties: map[string]any{"dealname": "lost at the last ms", "dealstage": "closedlost", "closedate": "2026-03-31T23:59:59.999Z", "cosell_enabled": "false"}},
		{ID: "103", Properties: map[string]any{"dealname": "co-sold win", "dealstage": "closedwon", "amount": "50000", "closedate": "2026-02-01T00:00:00Z", "cosell_enabled": "true"}},
		{ID: "104", Properties: map[string]any{"dealname": "open", "dealstage": "contractsent", "closedate": "2026-02-01T00:00:00Z"}},
		{ID: "105", Properties: map[string]any{"dealname": "closed before", "dealstage": "closedwon", "closedate": "2025-12-31T23:59:59.999Z"}},
		{ID: "106", Properties: map[string]any{"dealname": "closed at the end", "dealstage": "closedlost", "closedate": "2026-04-01T00:00:00Z"}},
		{ID: "107", Properties: map[string]any{"dealname": "closed, no close date", "dealstage": "closedwon"}},
	}}
	// More solo deals than one search page (200) holds, split between an unset and a false flag.
	for i := range 450 {
		props := map[string]any{"dealname": fmt.Sprintf("solo %d", i), "dealstage": "closedwon", "amount": "10",
			"closedate": q1From.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)}
		if i%2 == 1 {
			props["cosell_enabled"] = "false"
			props["dealstage"] = "closedlost"
		}
		seed.Deals = append(seed.Deals, fake.SeedRecord{ID: fmt.Sprint(1000 + i), Properties: props})
	}
	require.NoError(t, e.portal.Seed(seed))

	got, err := e.client.ClosedSoloDeals(context.Background(), q1From, q1To)
	require.NoError(t, err)
	deals := byRecordID(t, got)
	assert.Len(t, deals, 452)
	assert.Equal(t, 3, e.calls("POST deals/search"), "450 + 2 deals at 200 a page")
	for _, excluded := range []string{"103", "104", "105", "106", "107"} {
		assert.NotContains(t, deals, excluded)
	}
	assert.Equal(t, connectors.ClosedDeal{RecordID: "101", Amount: 1200.5, Won: true,
		CreatedAt: time.Date(2025, 11, 3, 9, 30, 0, 0, time.UTC), ClosedAt: q1From}, deals["101"])
	assert.False(t, deals["102"].Won)
	assert.Zero(t, deals["102"].Amount, "no amount counts 0")
	assert.Equal(t, time.Date(2026, 3, 31, 23, 59, 59, 999e6, time.UTC), deals["102"].ClosedAt)
	assert.True(t, deals["1000"].Won)
	assert.False(t, deals["1001"].Won)

	// Unflagging a co-sold deal (clearing the checkbox) makes it solo.
	require.NoError(t, e.client.UpdateDeal(context.Background(), "103", map[string]any{"cosell_enabled": nil}))
	e.clk.Advance(fake.DefaultSearchIndexLag) // search shows the update once indexed
	got, err = e.client.ClosedSoloDeals(context.Background(), q1From, q1To)
	require.NoError(t, err)
	assert.Contains(t, byRecordID(t, got), "103")
}

func TestClosedSoloDealsPagesPastTheSearchCap(t *testing.T) {
	e := newEnv(t)
	// A quarter's worth of deals closing on its last day: more than HubSpot pages through in one query,
	// all on one close date, so only an id keyset reaches them all.
	const n = 10_250
	closeDay := "2026-03-31T00:00:00Z"
	seed := fake.SeedData{}
	for i := range n {
		seed.Deals = append(seed.Deals, fake.SeedRecord{ID: fmt.Sprint(100_000 + i),
			Properties: map[string]any{"dealname": "d", "dealstage": "closedlost", "closedate": closeDay}})
	}
	require.NoError(t, e.portal.Seed(seed))

	got, err := e.client.ClosedSoloDeals(context.Background(), q1From, q1To)
	require.NoError(t, err, "the fake answers 400 past 10,000 results, as HubSpot does")
	assert.Len(t, byRecordID(t, got), n)
	assert.Equal(t, 52, e.calls("POST deals/search"), "50 pages up to the cap, then 2 more from the keyset")
}

func TestClosedSoloDealsRefusesAnEmptyWindow(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.ClosedSoloDeals(context.Background(), q1To, q1From)
	ce, ok := connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.False(t, ce.Retryable)
	assert.Zero(t, e.calls("POST deals/search"))
}
