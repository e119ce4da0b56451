package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

func TestReconcileWorkflowVerifiesABatchPerIntervalRoundRobin(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	acts := &activities.Activities{}
	Register(env, acts)
	defer func(n int) { reconcileBatchesPerRun = n }(reconcileBatchesPerRun)
	reconcileBatchesPerRun = 4

	var ins []activities.ReconcileBatchInput
	var at []time.Time
	start := env.Now()
	env.OnActivity(acts.ReconcileBatch, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.ReconcileBatchInput) (activities.ReconcileBatchResult, error) {
			ins = append(ins, in)
			at = append(at, env.Now())
			switch len(ins) {
			case 2, 3, 4: // batch 2 fails for good: each of its three attempts
				return activities.ReconcileBatchResult{}, errors.New("visibility unavailable")
			case 5:
				return activities.ReconcileBatchResult{Next: "cosell-deal/CS-2", Checked: 2, Drifting: []string{"CS-2"}, Signalled: 1}, nil
			}
			return activities.ReconcileBatchResult{Next: "cosell-deal/CS-1", Checked: 1}, nil
		})
	env.ExecuteWorkflow(ReconcileWorkflow, api.ReconcileInput{Settings: api.ReconcileSettings{Interval: 10 * time.Minute, Deals: 3}})

	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can, "continue-as-new after %d batches", reconcileBatchesPerRun)
	require.Len(t, ins, 6, "four batches, the second tried three times")
	assert.Equal(t, 10*time.Minute, at[0].Sub(start).Round(time.Minute), "the first batch waits one interval")
	assert.Equal(t, activities.ReconcileBatchInput{Deals: 3}, ins[0])
	assert.Equal(t, "cosell-deal/CS-1", ins[1].After, "the next batch starts after the last deal verified")
	assert.Equal(t, "cosell-deal/CS-1", ins[4].After, "a failed batch leaves the position in place")
	assert.Equal(t, "cosell-deal/CS-2", ins[5].After)
	var next api.ReconcileInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.Equal(t, api.ReconcileInput{Settings: api.ReconcileSettings{Interval: 10 * time.Minute, Deals: 3}, After: "cosell-deal/CS-1",
		Totals: api.ReconcileTotals{Batches: 3, Checked: 4, Drifting: 1, Signalled: 1}}, next, "continue-as-new carries the position and totals")
}

func TestReconcileWorkflowFollowsItsSettingsAndEndsWhenTurnedOff(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	acts := &activities.Activities{}
	Register(env, acts)

	var at []time.Duration
	var deals []int
	start := env.Now()
	env.OnActivity(acts.ReconcileBatch, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.ReconcileBatchInput) (activities.ReconcileBatchResult, error) {
			at = append(at, env.Now().Sub(start).Round(time.Second))
			deals = append(deals, in.Deals)
			return activities.ReconcileBatchResult{Next: "cosell-deal/CS-1", Checked: in.Deals, Drifting: []string{"CS-1"}, Signalled: 1}, nil
		})
	signal := func(s api.ReconcileSettings) func() {
		return func() { env.SignalWorkflow(api.ReconcileSettingsSignal, s) }
	}
	// A worker restarting sends the same settings at 5 min: the batch still comes at 10 min. Another
	// sends a shorter interval at 15 min: counted from the last batch (10 + 2 < 15), the next is due at
	// once, then every 2 min. At 18.5 min the reconcile is turned off.
	env.RegisterDelayedCallback(signal(api.ReconcileSettings{Interval: 10 * time.Minute, Deals: 5}), 5*time.Minute)
	env.RegisterDelayedCallback(signal(api.ReconcileSettings{Interval: 2 * time.Minute, Deals: 7}), 15*time.Minute)
	var view api.ReconcileView
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(api.ReconcileQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&view))
	}, 18*time.Minute)
	env.RegisterDelayedCallback(signal(api.ReconcileSettings{}), 18*time.Minute+30*time.Second)
	env.ExecuteWorkflow(ReconcileWorkflow, api.ReconcileInput{Settings: api.ReconcileSettings{Interval: 10 * time.Minute, Deals: 5}})

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "turned off, it ends")
	assert.Equal(t, []time.Duration{10 * time.Minute, 15 * time.Minute, 17 * time.Minute}, at)
	assert.Equal(t, []int{5, 7, 7}, deals)
	assert.Equal(t, api.ReconcileSettings{Interval: 2 * time.Minute, Deals: 7}, view.Settings)
	assert.Equal(t, api.ReconcileTotals{Batches: 3, Checked: 19, Drifting: 3, Signalled: 3}, view.Totals)
	assert.Equal(t, []string{"CS-1"}, view.LastDrifting)
}
