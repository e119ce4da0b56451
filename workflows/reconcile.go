package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// reconcileBatchesPerRun bounds a run's history: a batch is a handful of events, so 200 of them stay
// far from Temporal's limits before continue-as-new. A variable so tests can force continue-as-new.
var reconcileBatchesPerRun = 200

// ReconcileWorkflow is the worker's periodic reconcile (one per task queue): every Settings.Interval it
// verifies the next Settings.Deals running deals (ReconcileBatch: two CRM reads each, round-robin by
// workflow id) and asks each drifting one to reconcile through its own workflow, so drift nobody was
// told of (a webhook lost past the poll's overlap, a data load that keeps the audit stamps) heals by
// itself, at a rate that stays far inside the CRMs' API budgets. It writes to no CRM. The worker sends
// it its settings at every start (ReconcileSettingsSignal); an interval of zero ends it.
func ReconcileWorkflow(ctx workflow.Context, in api.ReconcileInput) error {
	r := &reconciler{view: api.ReconcileView{Settings: in.Settings, After: in.After, Totals: in.Totals}}
	if err := workflow.SetQueryHandler(ctx, api.ReconcileQuery, func() (api.ReconcileView, error) { return r.view, nil }); err != nil {
		return err
	}
	return r.run(ctx)
}

type reconciler struct {
	view api.ReconcileView
}

func (r *reconciler) run(ctx workflow.Context) error {
	settings := workflow.GetSignalChannel(ctx, api.ReconcileSettingsSignal)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// A batch heartbeats after each deal: up to 1,000 deals (COSELL_RECONCILE_DEALS) take long, a
		// worker that died in one is noticed within the heartbeat timeout.
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: 3, NonRetryableErrorTypes: []string{activities.ErrTypeConfig}},
	})
	for batches := 0; ; batches++ {
		if batches >= reconcileBatchesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			r.drainSettings(settings)
			if r.view.Settings.Interval <= 0 {
				return nil
			}
			return workflow.NewContinueAsNewError(ctx, api.ReconcileWorkflowName,
				api.ReconcileInput{Settings: r.view.Settings, After: r.view.After, Totals: r.view.Totals})
		}
		if !r.waitInterval(ctx, settings) {
			return ctx.Err() // turned off (nil), or cancelled
		}
		var res activities.ReconcileBatchResult
		err := workflow.ExecuteActivity(actx, a.ReconcileBatch, activities.ReconcileBatchInput{
			After: r.view.After, Deals: r.view.Settings.Deals}).Get(ctx, &res)
		r.view.LastBatch = workflow.Now(ctx)
		r.view.LastError = res.LastError
		if err != nil {
			// The next batch tries again from the same place.
			r.view.LastError = err.Error()
			workflow.GetLogger(ctx).Warn("periodic reconcile batch failed; the next one tries again", "error", err)
			continue
		}
		r.view.After = res.Next
		r.view.LastDrifting = res.Drifting
		r.view.Totals.Batches++
		r.view.Totals.Checked += res.Checked
		r.view.Totals.Drifting += len(res.Drifting)
		r.view.Totals.Signalled += res.Signalled
		if len(res.Drifting) > 0 {
			workflow.GetLogger(ctx).Info("periodic reconcile found drift; the deals reconcile", "deals", res.Drifting)
		}
	}
}

// waitInterval waits out the interval since the last batch, following settings signalled meanwhile:
// the deadline is the wait's start plus the interval in force, so a changed interval takes effect at
// once, and the same settings sent again (a worker restarting) postpone nothing. It returns false
// when the reconcile was turned off or the workflow cancelled.
func (r *reconciler) waitInterval(ctx workflow.Context, settings workflow.ReceiveChannel) bool {
	start := workflow.Now(ctx)
	for {
		if r.view.Settings.Interval <= 0 || ctx.Err() != nil {
			return false
		}
		wait := start.Add(r.view.Settings.Interval).Sub(workflow.Now(ctx))
		if wait <= 0 {
			return true
		}
		timerCtx, cancel := workflow.WithCancel(ctx)
		fired := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(workflow.NewTimer(timerCtx, wait), func(workflow.Future) { fired = true })
		sel.AddReceive(settings, func(c workflow.ReceiveChannel, _ bool) {
			var s api.ReconcileSettings
			c.Receive(ctx, &s)
			r.view.Settings = s
		})
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		cancel() // the timer that lost the race
		if fired {
			return true
		}
	}
}

// drainSettings folds the settings signalled but not yet received into the view, before
// continue-as-new, so none is lost.
func (r *reconciler) drainSettings(settings workflow.ReceiveChannel) {
	for {
		var s api.ReconcileSettings
		if !settings.ReceiveAsync(&s) {
			return
		}
		r.view.Settings = s
	}
}
