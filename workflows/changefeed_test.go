package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/memory"
	"github.com/cosellsync/cosell/internal/feedtest"
	"github.com/cosellsync/cosell/pairing"
)

func TestChangeFeedCarriesItsCursorAndSurvivesFailures(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	acts := &activities.Activities{}
	Register(env, acts)

	calls := 0
	var seen []api.FeedState
	env.OnActivity(acts.PollChanges, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PollInput) (activities.PollResult, error) {
			calls++
			seen = append(seen, in.State)
			switch calls {
			case 2:
				return activities.PollResult{}, errors.New("connection reset")
			case 3:
				return activities.PollResult{}, temporal.NewNonRetryableApplicationError("salesforce: 403 REQUEST_LIMIT_EXCEEDED",
					activities.ErrTypeUnavailable, nil, activities.Unavailable{Message: "budget gone", RetryAfter: time.Hour})
			}
			st := in.State
			st.Polls++
			st.Deals = connectors.Cursor{ModifiedAt: time.Unix(int64(calls), 0).UTC(), ID: "r"}
			return activities.PollResult{State: st, Interval: 2 * time.Second}, nil
		})

	var views []api.FeedView
	query := func() {
		v, err := env.QueryWorkflow(api.FeedQuery)
		require.NoError(t, err)
		var fv api.FeedView
		require.NoError(t, v.Get(&fv))
		views = append(views, fv)
	}
	// After poll 3 failed with an exhausted budget the feed waits the CRM's hour, not the interval.
	env.RegisterDelayedCallback(query, 30*time.Minute)
	env.RegisterDelayedCallback(query, 65*time.Minute)
	env.ExecuteWorkflow(ChangeFeedWorkflow, api.FeedInput{PairingID: "p", Side: pairing.A, PollInterval: 10 * time.Second})

	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can, "the feed continues as new after %d polls", feedPollsPerRun)
	assert.Equal(t, feedPollsPerRun+1, calls, "one poll was retried once by Temporal")

	// Poll 2 failed twice (a transient error Temporal retried, then an exhausted budget): the cursor of
	// poll 1 stayed in place for the poll after it.
	assert.Equal(t, seen[0].Deals, connectors.Cursor{})
	assert.Equal(t, time.Unix(1, 0).UTC(), seen[1].Deals.ModifiedAt)
	assert.Equal(t, time.Unix(1, 0).UTC(), seen[3].Deals.ModifiedAt)
	require.Len(t, views, 2)
	assert.Contains(t, views[0].State.LastError, "REQUEST_LIMIT_EXCEEDED")
	assert.Empty(t, views[1].State.LastError, "cleared by the next good poll")
}

// TestChangeFeedDrainsABurstAcrossFailures runs the feed over 5,000 flagged deals with the real
// activities while polls keep failing midway (a delivery timing out every 700 signals, a worker lost
// on every seventh page read). The feed's own cursor must move while the burst is still being read, and
// every deal must reach its deal workflow exactly once.
func TestChangeFeedDrainsABurstAcrossFailures(t *testing.T) {
	p, err := pairing.Load("../examples/demo/pairing.yaml")
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	sf := memory.New("salesforce", p.DealFields(pairing.A), func() time.Time { return now })
	sf.AddOwner(connectors.Owner{ID: "005-jane", Email: "jane.doe@acme.example", Name: "Jane Doe", Active: true})
	ids := feedtest.Burst(sf, 5000, "005-jane", func() { now = now.Add(2 * time.Millisecond) })
	last, _ := sf.Deal(ids[len(ids)-1])
	sink := &feedtest.FlakySink{FailEvery: 700}
	acts := &activities.Activities{
		Pairings: map[string]*activities.Connection{p.ID: {Pairing: p, CRM: map[pairing.Side]connectors.CRM{
			pairing.A: &feedtest.FlakyCRM{CRM: sf, CrashEvery: 7}}}},
		Overlap: 2 * time.Second, PageSize: 200, Sink: sink.Deliver,
	}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	Register(env, acts)

	// The cursor each poll starts from, while the burst is not yet all delivered.
	var during []connectors.Cursor
	env.SetOnActivityStartedListener(func(_ *activity.Info, _ context.Context, args converter.EncodedValues) {
		var in activities.PollInput
		require.NoError(t, args.Get(&in))
		if len(sink.Counts()) < len(ids) {
			during = append(during, in.State.Deals)
		}
	})
	var view api.FeedView
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(api.FeedQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&view))
		env.CancelWorkflow()
	}, 2*time.Minute)
	env.ExecuteWorkflow(ChangeFeedWorkflow, api.FeedInput{PairingID: p.ID, Side: pairing.A, PollInterval: 10 * time.Second})
	require.True(t, env.IsWorkflowCompleted())

	counts := sink.Counts()
	for _, id := range ids {
		if counts[id] != 1 {
			t.Fatalf("deal %s delivered %d times (cursor at %v)", id, counts[id], view.State.Deals)
		}
	}
	assert.Equal(t, connectors.Cursor{ModifiedAt: last.ModifiedAt, ID: last.RecordID}, view.State.Deals)
	assert.Empty(t, view.State.LastError)
	moved := 0
	for i := 1; i < len(during); i++ {
		require.False(t, during[i].Less(during[i-1].ModifiedAt, during[i-1].ID), "the cursor never goes back")
		if during[i] != during[i-1] {
			moved++
		}
	}
	assert.GreaterOrEqual(t, moved, 2, "the durable cursor advanced while the burst was read: %v", during)
}

// TestChangeFeedKeepsTheHeartbeatOfATimedOutPoll has a poll time out for good (every attempt): the next
// poll starts where the last heartbeat stood, not from the cursor the timed-out poll was given.
func TestChangeFeedKeepsTheHeartbeatOfATimedOutPoll(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	acts := &activities.Activities{}
	Register(env, acts)

	reached := api.FeedState{
		Deals: connectors.Cursor{ModifiedAt: time.Unix(600, 0).UTC(), ID: "r600"},
		Scan:  &api.FeedScan{Deals: connectors.Cursor{ModifiedAt: time.Unix(600, 0).UTC(), ID: "r600"}},
		Seen:  map[string]time.Time{"r600": time.Unix(600, 0).UTC()},
	}
	var inputs []api.FeedState
	env.OnActivity(acts.PollChanges, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PollInput) (activities.PollResult, error) {
			inputs = append(inputs, in.State)
			if len(inputs) <= 3 { // the first poll and both its retries time out after a heartbeat
				return activities.PollResult{}, temporal.NewTimeoutError(enums.TIMEOUT_TYPE_HEARTBEAT, nil, reached)
			}
			env.CancelWorkflow()
			return activities.PollResult{State: in.State}, nil
		})
	env.ExecuteWorkflow(ChangeFeedWorkflow, api.FeedInput{PairingID: "p", Side: pairing.A, PollInterval: 10 * time.Second})

	require.Len(t, inputs, 4)
	assert.Equal(t, api.FeedState{}, inputs[0])
	assert.Equal(t, reached.Deals, inputs[3].Deals, "the next poll starts from the heartbeat")
	assert.Equal(t, reached.Scan, inputs[3].Scan, "and carries on with its scan")
	assert.Contains(t, inputs[3].LastError, "timeout")
}
