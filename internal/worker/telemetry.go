package worker

import (
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/internal/telemetry"
)

// Option adds an optional part to Prepare and Dial.
type Option func(*options)

type options struct {
	metrics *telemetry.Metrics
	tracing *telemetry.Tracing
}

// WithMetrics records the worker's metrics in m: given to Prepare, every CRM call is counted and the
// worker serves m at /metrics with each connection's API budget; given to Dial, the Temporal SDK
// records its own metrics there, and the workflows theirs.
func WithMetrics(m *telemetry.Metrics) Option { return func(o *options) { o.metrics = m } }

// WithTracing, given to Dial, traces every workflow start, signal, workflow run and activity through
// the client and the workers built from it (COSELL_TRACES).
func WithTracing(t *telemetry.Tracing) Option { return func(o *options) { o.tracing = t } }

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// budgets are the snapshots of the budget guards of the connections served now.
func (ps *Pairings) budgets() []budget.Snapshot {
	gs := ps.guards.Load()
	if gs == nil {
		return nil
	}
	out := make([]budget.Snapshot, 0, len(*gs))
	for _, g := range *gs {
		if g != nil {
			out = append(out, g.Snapshot())
		}
	}
	return out
}

// metrics is the registry the worker's pairings were prepared with, nil without one.
func (w *Worker) metrics() *telemetry.Metrics {
	if w.pairings == nil {
		return nil
	}
	return w.pairings.metrics
}
