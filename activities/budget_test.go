package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/pairing"
)

func TestBudgetRefusalsAreClassifiedByWindow(t *testing.T) {
	paused := &budget.Refusal{CRM: "salesforce", Connection: "acme-sf", Window: budget.Daily, Used: 47, Limit: 100, Line: 50,
		Share: 0.5, RetryAfter: 3 * time.Second}
	err := classify("read deal on a", fmt.Errorf("salesforce: query: %w", paused))
	u, ok := UnavailableOf(err)
	require.True(t, ok, "a paused daily budget is a wait for the workflow, however short: %v", err)
	require.NotNil(t, u.Budget, "the workflow tells it apart from a CRM's own refusal")
	assert.Equal(t, budget.Daily, u.Budget.Window)
	assert.Equal(t, 3*time.Second, u.RetryAfter)
	assert.Equal(t, paused.Error(), u.Message)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	assert.True(t, app.NonRetryable(), "Temporal does not retry it out of sight")

	paced := &budget.Refusal{CRM: "hubspot", Window: budget.Short, Used: 50, Limit: 100, Line: 50, Share: 0.5,
		Interval: 10 * time.Second, RetryAfter: 1500 * time.Millisecond}
	err = classify("write deal", paced)
	_, isUnavailable := UnavailableOf(err)
	assert.False(t, isUnavailable)
	require.True(t, errors.As(err, &app))
	assert.Equal(t, ErrTypeThrottled, app.Type())
	assert.False(t, app.NonRetryable(), "pacing is retried by Temporal after the guard's delay")
	assert.Equal(t, 1500*time.Millisecond, app.NextRetryDelay())
}

// countingNotifier counts what it is asked to deliver.
type countingNotifier struct {
	mu   sync.Mutex
	keys []string
}

func (c *countingNotifier) Name() string { return "counting" }

func (c *countingNotifier) Notify(_ context.Context, n notify.Notice) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = append(c.keys, n.Key)
	return nil
}

func TestABudgetPauseIsToldOncePerChannelWhateverTheDeals(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	slack, log := &countingNotifier{}, &countingNotifier{}
	a := &Activities{Pairings: map[string]*Connection{p.ID: {Pairing: p, Slack: slack}}, Log: log}
	pause := notify.Notice{Key: "budget/acme-globex/a/2026-05-04", Event: notify.BudgetPaused, Message: "paused"}
	for _, deal := range []string{"CS-1", "CS-2", "CS-3"} {
		n := pause
		n.CoSellID = deal
		for _, ch := range []string{"slack", "log"} {
			require.NoError(t, a.Notify(context.Background(), NotifyInput{PairingID: p.ID, Channel: ch, Notice: n, RecordIDs: []string{"006x", ""}}))
		}
	}
	assert.Equal(t, []string{pause.Key}, slack.keys, "three deals waited on one pause: Slack heard once")
	assert.Equal(t, []string{pause.Key}, log.keys)

	later := pause
	later.Key = "budget/acme-globex/a/2026-05-05"
	require.NoError(t, a.Notify(context.Background(), NotifyInput{PairingID: p.ID, Channel: "slack", Notice: later}))
	other := notify.Notice{Key: "CS-1/stage/1", Event: notify.StageChanged}
	for i := 0; i < 2; i++ {
		require.NoError(t, a.Notify(context.Background(), NotifyInput{PairingID: p.ID, Channel: "slack", Notice: other}))
	}
	assert.Equal(t, []string{pause.Key, later.Key, other.Key, other.Key}, slack.keys, "only budget pauses are folded")
}

func TestRacesTheSyncResolvesAreBenignAndRefusalsAreNot(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    *connectors.Error
		code   string
		benign bool
	}{
		{"a save came first", &connectors.Error{CRM: "salesforce", Status: 412, Message: "modified", Modified: true}, CodeModified, true},
		{"the record is gone", &connectors.Error{CRM: "hubspot", Status: 404, Message: "not found", NotFound: true}, CodeNotFound, true},
		{"a picklist refuses", &connectors.Error{CRM: "salesforce", Status: 400, Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
			Message: "bad value"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("write deal", tc.err)
			r, ok := RejectionOf(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.code, r.Code, "the workflow still reads the rejection's details")
			var app *temporal.ApplicationError
			require.True(t, errors.As(err, &app))
			assert.True(t, app.NonRetryable())
			assert.Equal(t, tc.benign, app.Category() == temporal.ApplicationErrorCategoryBenign)
		})
	}
}
