package api

import (
	"time"
)

// SourceReconcile is the Source of the change events a reconcile sends (`cosell reconcile`, the
// worker's periodic reconcile): the deal reads the side itself and tries again what its CRM refused
// before (engine.Change.Reconcile), then decides with its normal rules.
const SourceReconcile = "reconcile"

// The worker's periodic reconcile: one workflow per task queue that verifies a few running deals per
// interval, round-robin by workflow id, and asks each drifting one to reconcile.
const (
	ReconcileWorkflowName = "ReconcileWorkflow"
	// ReconcileSettingsSignal carries ReconcileSettings: the worker sends its own at every start, so a
	// changed setting reaches the running workflow; an Interval of zero ends it.
	ReconcileSettingsSignal = "reconcile-settings"
	// ReconcileQuery returns a ReconcileView.
	ReconcileQuery = "reconcile"
)

// ReconcileWorkflowID is the id of the periodic reconcile of a task queue: fixed, so every worker of
// the queue starts the same one and restarts never start two.
func ReconcileWorkflowID(taskQueue string) string { return "cosell-reconcile/" + taskQueue }

// ReconcileSettings say how fast the periodic reconcile goes (COSELL_RECONCILE_INTERVAL,
// COSELL_RECONCILE_DEALS).
type ReconcileSettings struct {
	// Interval between two batches; zero turns the periodic reconcile off.
	Interval time.Duration `json:"interval"`
	// Deals verified per batch: each costs two CRM reads (one per side), and a drifting one the reads
	// and writes of its reconcile.
	Deals int `json:"deals"`
}

// ReconcileInput starts (or continues) the periodic reconcile.
type ReconcileInput struct {
	Settings ReconcileSettings `json:"settings"`
	// After is the workflow id of the last deal verified: the next batch starts after it.
	After string `json:"after,omitempty"`
	// Totals carry the counts across continue-as-new.
	Totals ReconcileTotals `json:"totals"`
}

// ReconcileTotals count what the periodic reconcile did since it started.
type ReconcileTotals struct {
	Batches   int `json:"batches"`
	Checked   int `json:"checked"`
	Drifting  int `json:"drifting"`
	Signalled int `json:"signalled"`
}

// ReconcileView is what the reconcile query returns.
type ReconcileView struct {
	Settings ReconcileSettings `json:"settings"`
	After    string            `json:"after,omitempty"`
	Totals   ReconcileTotals   `json:"totals"`
	// LastDrifting are the co-sell ids the last batch found drifting and asked to reconcile.
	LastDrifting []string  `json:"lastDrifting,omitempty"`
	LastBatch    time.Time `json:"lastBatch,omitzero"`
	LastError    string    `json:"lastError,omitempty"`
}
