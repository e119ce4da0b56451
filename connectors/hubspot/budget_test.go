package hubspot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

// The connector's hook into the budget guard: every API attempt passes it, the guard learns both of
// HubSpot's windows from the headers, and a refused call is never sent.
func TestBudgetGuardPacesTheAppsWindow(t *testing.T) {
	e := newEnv(t, func(o *fake.Options) { o.RateLimit = 10; o.RateLimitWindow = time.Minute; o.DailyLimit = 1000 })
	g := budget.New(budget.Config{CRM: "hubspot", Connection: "globex-hs", ShortShare: 0.5, DailyShare: 0.5})
	c := e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: dealFields(), Budget: g})
	require.Same(t, g, c.Budget())
	ctx := context.Background()
	var err error
	sent := 0
	for sent < 20 {
		if _, err = c.GetDeal(ctx, "1"); err != nil && !errors.Is(err, connectors.ErrNotFound) {
			break
		}
		sent++
	}
	r, ok := budget.AsRefusal(err)
	require.True(t, ok, "want a *budget.Refusal, got %T: %v", err, err)
	assert.Equal(t, budget.Short, r.Window)
	assert.False(t, r.Paused(), "pacing in the rolling window is not a pause")
	assert.Equal(t, 5, sent, "half of the app's 10 calls a minute")
	assert.Equal(t, 5, e.calls("GET deals/{id}"), "the refused call was not sent")
	assert.Greater(t, r.RetryAfter, 50*time.Second, "the window frees when the first call leaves it")

	s := g.Snapshot()
	require.NotNil(t, s.Daily)
	require.NotNil(t, s.Short)
	assert.Equal(t, 5, s.Daily.Used)
	assert.Equal(t, 500, s.Daily.Line)
	assert.Equal(t, 5, s.Short.Used)
	assert.Equal(t, time.Minute, s.Short.Interval)
}

// The connector paces its searches under HubSpot's per-token search limit, which the app's rolling
// window and the budget guard do not cover: a burst of searches gets no 429 from the fake; unpaced, the
// same burst does (the transport then retries them).
func TestSearchesArePacedUnderTheSearchLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rate    float64
		refused bool
	}{{"paced", 0, false}, {"unpaced", -1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *fake.Options) { o.SearchRateLimit = 5; o.Now = time.Now })
			c := e.connect(hubspot.Config{PrivateAppToken: privateToken, DealFields: dealFields(), SearchRate: tc.rate})
			ctx := context.Background()
			done := make(chan error, 8)
			for range 8 {
				go func() {
					_, err := c.Search(ctx, "deals", hubspot.SearchRequest{Limit: 1})
					done <- err
				}()
			}
			for range 8 {
				require.NoError(t, <-done)
			}
			refused := e.portal.Limits().Refused["SECONDLY"]
			if tc.refused {
				assert.Positive(t, refused, "8 searches at once pass the fake's 5 a second")
			} else {
				assert.Zero(t, refused, "paced at %d a second", hubspot.DefaultSearchRate)
			}
		})
	}
}
