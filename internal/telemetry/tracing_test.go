package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// A workflow started through a traced client, and run with its activity by a worker built from that
// client, is one trace: the start, the run and the activity share its id.
func TestTracingMakesOneTraceOfARound(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := devServer(t)

	spans := tracetest.NewInMemoryExporter()
	tr, err := newTracing(sdktrace.NewSimpleSpanProcessor(spans))
	require.NoError(t, err)
	c, err := client.Dial(client.Options{HostPort: addr, Interceptors: []interceptor.ClientInterceptor{tr.Interceptor()},
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer c.Close()
	w := sdkworker.New(c, "traced", sdkworker.Options{})
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "ReadDeal"})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		return workflow.ExecuteActivity(ctx, "ReadDeal").Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "DealWorkflow"})
	require.NoError(t, w.Start())
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "traced"}, "DealWorkflow")
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))
	w.Stop()
	require.NoError(t, tr.provider.ForceFlush(ctx)) // (Shutdown would empty the in-memory exporter)

	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans.GetSpans() {
		byName[s.Name] = s
	}
	for _, n := range []string{"StartWorkflow:DealWorkflow", "RunWorkflow:DealWorkflow", "StartActivity:ReadDeal", "RunActivity:ReadDeal"} {
		s, ok := byName[n]
		require.True(t, ok, "span %s among %v", n, func() []string {
			var out []string
			for k := range byName {
				out = append(out, k)
			}
			return out
		}())
		assert.Equal(t, byName["StartWorkflow:DealWorkflow"].SpanContext.TraceID(), s.SpanContext.TraceID(), "%s in the same trace", n)
	}
}

func TestNewTracingStdoutAndRefusal(t *testing.T) {
	var out bytes.Buffer
	tr, err := NewTracing(context.Background(), "stdout", &out)
	require.NoError(t, err)
	require.NotNil(t, tr.Interceptor())
	require.NoError(t, tr.Shutdown(context.Background()))
	_, err = NewTracing(context.Background(), "jaeger", &out)
	assert.ErrorContains(t, err, `COSELL_TRACES must be stdout or otlp, got "jaeger"`)
	var none *Tracing
	assert.Nil(t, none.Interceptor())
}
