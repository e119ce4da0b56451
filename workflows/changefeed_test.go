package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
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
