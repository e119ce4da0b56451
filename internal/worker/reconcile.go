package worker

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
)

// startReconcile makes the task queue's periodic reconcile follow this worker's settings
// (COSELL_RECONCILE_INTERVAL, COSELL_RECONCILE_DEALS): started with them, or sent them if it runs
// (signal-with-start, so several workers and restarts never start two); turned off, a running one is
// told so and ends.
func (w *Worker) startReconcile(ctx context.Context) error {
	id := api.ReconcileWorkflowID(w.cfg.TaskQueue)
	s := api.ReconcileSettings{Interval: w.cfg.ReconcileInterval, Deals: w.cfg.ReconcileDeals}
	if s.Interval <= 0 {
		err := w.client.SignalWorkflow(ctx, id, "", api.ReconcileSettingsSignal, s)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("turn the periodic reconcile off: %w", err)
		}
		return nil
	}
	_, err := w.client.SignalWithStartWorkflow(ctx, id, api.ReconcileSettingsSignal, s,
		client.StartWorkflowOptions{ID: id, TaskQueue: w.cfg.TaskQueue}, api.ReconcileWorkflowName, api.ReconcileInput{Settings: s})
	if err != nil {
		return fmt.Errorf("start the periodic reconcile %s: %w", id, err)
	}
	w.log.Debug("periodic reconcile started", "interval", s.Interval, "deals", s.Deals)
	return nil
}
