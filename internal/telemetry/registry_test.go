package telemetry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/internal/devserver"
)

// exercised builds a registry and makes every instrument the worker has record once, as the running
// worker does: a CRM call through the transport, a budget scrape, the product metrics the workflows
// record through the SDK's handler, and the SDK's own metrics of a workflow run (test environment) and
// of a worker's pollers (against an unreachable server). It returns the registry and the metric names
// it holds, as scraped.
func exercised(t *testing.T) (*Metrics, map[string]bool) {
	t.Helper()
	m, err := New(slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })

	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }))
	defer crm.Close()
	resp, err := m.HTTPClient("hubspot", "globex-hs", crm.Client()).Get(crm.URL + "/crm/v3/objects/deals/123")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	require.NoError(t, m.ObserveBudgets(func() []budget.Snapshot {
		return []budget.Snapshot{{CRM: "salesforce", Connection: "acme-sf", PausedSince: time.Unix(1, 0),
			Daily: &budget.WindowState{Used: 40, Line: 100}}}
	}))

	// What the deal workflow records (workflows/metrics.go), through the same handler.
	h := m.TemporalHandler()
	h.WithTags(map[string]string{"pairing": "p", "direction": "a_to_b"}).Timer(api.MetricMirrorLatency).Record(2 * time.Second)
	for _, c := range []string{api.MetricConflicts, api.MetricSyncIssues, api.MetricSLAEvents, api.MetricNotices} {
		h.WithTags(map[string]string{"pairing": "p"}).Counter(c).Inc(1)
	}

	// The SDK's own metrics, as a worker records them: a workflow whose activity fails once, run by a
	// worker polling a real Temporal dev server.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: devServer(t), MetricsHandler: h,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer c.Close()
	w := sdkworker.New(c, "probe", sdkworker.Options{})
	var attempts atomic.Int32
	w.RegisterActivityWithOptions(func(context.Context) error {
		if attempts.Add(1) == 1 {
			return errors.New("flaky")
		}
		return nil
	}, activity.RegisterOptions{Name: "Flaky"})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond, MaximumAttempts: 3}})
		return workflow.ExecuteActivity(ctx, "Flaky").Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "Probe"})
	require.NoError(t, w.Start())
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "probe"}, "Probe")
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	families, err := m.Gatherer().Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[f.GetName()+s] = true
			}
		}
	}
	return m, names
}

func TestRegistryHoldsEveryProductMetric(t *testing.T) {
	_, names := exercised(t)
	var all []string
	for n := range names {
		all = append(all, n)
	}
	sort.Strings(all)
	for _, n := range all {
		t.Log(n)
	}
}

// devServer starts a Temporal dev server for the test and returns its frontend address. Like the
// workflow model tests, it skips only outside CI when the Temporal CLI is missing.
func devServer(t *testing.T) string {
	t.Helper()
	if _, err := devserver.FindBinary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI provides the Temporal CLI: %v", err)
		}
		t.Skipf("no Temporal CLI (run make tools): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	return srv.FrontendHostPort()
}
