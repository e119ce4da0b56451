// Package telemetry is the worker's observability: one Prometheus registry served at /metrics, fed by
// an OpenTelemetry meter provider through the OTel Prometheus exporter. The Temporal SDK's own metrics
// reach it through the SDK's OpenTelemetry metrics handler (go.temporal.io/sdk/contrib/opentelemetry),
// which the workflows also use, replay-safe, for the product metrics only they can see (mirror
// latency, conflicts, sync issues, SLA events, notices); the worker records the CRM calls, at the HTTP
// transport under every connector, and the API budget left per connection.
//
// Each Metrics has a registry of its own, with no global state, so tests and several workers in one
// process never share counters.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors/budget"
)

// LatencyBuckets are the histogram bounds, in seconds, of every duration the worker exports (the SDK's
// latencies included): the OpenTelemetry defaults suit milliseconds, and a mirror takes from under a
// second (webhooks) to minutes (polling, a CRM that is down).
var LatencyBuckets = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}

// Metrics is the worker's registry and the instruments the worker (not the workflows) records.
type Metrics struct {
	registry *prometheus.Registry
	provider *sdkmetric.MeterProvider
	meter    metric.Meter
	temporal client.MetricsHandler

	crmCalls    metric.Int64Counter
	crmDuration metric.Float64Histogram
}

// New builds a registry with the Go runtime and process collectors, and the meter provider that
// exports into it. log receives the errors of instruments that cannot be created (a name clash), which
// the SDK's handler would otherwise panic on.
func New(log *slog.Logger) (*Metrics, error) {
	reg := prometheus.NewRegistry()
	if err := errors.Join(
		reg.Register(collectors.NewGoCollector()),
		reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})),
	); err != nil {
		return nil, fmt.Errorf("register runtime collectors: %w", err)
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	seconds := sdkmetric.NewView(
		sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: LatencyBuckets}},
	)
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(seconds))
	m := &Metrics{registry: reg, provider: provider, meter: provider.Meter("github.com/cosellsync/cosell")}
	m.temporal = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                provider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		OnError:              func(err error) { log.Error("cannot record a Temporal metric", "error", err) },
	})
	if m.crmCalls, err = m.meter.Int64Counter(api.MetricCRMCalls,
		metric.WithDescription("HTTP requests to a CRM, each attempt once, by CRM, connection, operation and status")); err != nil {
		return nil, fmt.Errorf("instrument %s: %w", api.MetricCRMCalls, err)
	}
	if m.crmDuration, err = m.meter.Float64Histogram(api.MetricCRMCallDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of each HTTP request to a CRM")); err != nil {
		return nil, fmt.Errorf("instrument %s: %w", api.MetricCRMCallDuration, err)
	}
	return m, nil
}

// TemporalHandler is the metrics handler for client.Options: the SDK records its worker, poller and
// request metrics there, and workflow.GetMetricsHandler hands the workflows a replay-safe view of it.
// Nil without metrics.
func (m *Metrics) TemporalHandler() client.MetricsHandler {
	if m == nil {
		return nil
	}
	return m.temporal
}

// Handler serves the registry in the Prometheus text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Gatherer is the registry, for tests that read what the worker registers.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.provider.Shutdown(ctx)
}

// ObserveBudgets exports each connection's remaining API budget and pause, read from snapshots at
// every scrape (connectors/budget guards: the remaining count is the product's line less the guard's
// estimate of the window's use, never below 0).
func (m *Metrics) ObserveBudgets(snapshots func() []budget.Snapshot) error {
	remaining, err := m.meter.Int64ObservableGauge(api.MetricAPIBudgetRemaining,
		metric.WithDescription("Calls left to the product under its share of a CRM connection's API budget window"))
	if err != nil {
		return fmt.Errorf("instrument %s: %w", api.MetricAPIBudgetRemaining, err)
	}
	paused, err := m.meter.Int64ObservableGauge(api.MetricAPIBudgetPaused,
		metric.WithDescription("1 while a connection's daily API budget holds ordinary work"))
	if err != nil {
		return fmt.Errorf("instrument %s: %w", api.MetricAPIBudgetPaused, err)
	}
	_, err = m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, s := range snapshots() {
			for window, w := range map[string]*budget.WindowState{"daily": s.Daily, "short": s.Short} {
				if w == nil {
					continue
				}
				o.ObserveInt64(remaining, int64(max(w.Line-w.Used, 0)), metric.WithAttributes(
					attr("crm", s.CRM), attr("connection", s.Connection), attr("window", window)))
			}
			p := int64(0)
			if !s.PausedSince.IsZero() {
				p = 1
			}
			o.ObserveInt64(paused, p, metric.WithAttributes(attr("crm", s.CRM), attr("connection", s.Connection)))
		}
		return nil
	}, remaining, paused)
	if err != nil {
		return fmt.Errorf("observe budgets: %w", err)
	}
	return nil
}

// since is how long ago start was, in seconds.
func since(start time.Time) float64 { return time.Since(start).Seconds() }
