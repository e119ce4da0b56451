package telemetry

import (
	"context"
	"fmt"
	"io"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.temporal.io/sdk/interceptor"

	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// Tracing is the optional OpenTelemetry tracing of COSELL_TRACES: the SDK's tracing interceptor
// (go.temporal.io/sdk/contrib/opentelemetry) on the client, and so on every worker built from it, makes
// a span of each workflow start, signal, workflow run and activity, and carries the trace in Temporal's
// headers: a change feed's poll, its signal to a deal, the deal's reads and writes form one trace.
type Tracing struct {
	provider    *sdktrace.TracerProvider
	interceptor interceptor.Interceptor
}

// NewTracing builds the tracing of a COSELL_TRACES mode: "stdout" writes spans as JSON lines to out,
// "otlp" sends them over OTLP/gRPC to OTEL_EXPORTER_OTLP_ENDPOINT. Spans carry workflow and activity
// types and ids, never payloads.
func NewTracing(ctx context.Context, mode string, out io.Writer) (*Tracing, error) {
	var exp sdktrace.SpanExporter
	var err error
	switch mode {
	case "stdout":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(out))
	case "otlp":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("COSELL_TRACES must be stdout or otlp, got %q", mode)
	}
	if err != nil {
		return nil, fmt.Errorf("trace exporter %s: %w", mode, err)
	}
	return newTracing(sdktrace.NewBatchSpanProcessor(exp))
}

func newTracing(sp sdktrace.SpanProcessor) (*Tracing, error) {
	res := resource.NewSchemaless(attribute.String("service.name", "cosell-worker"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp), sdktrace.WithResource(res))
	ic, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{Tracer: tp.Tracer("github.com/cosellsync/cosell")})
	if err != nil {
		return nil, fmt.Errorf("tracing interceptor: %w", err)
	}
	return &Tracing{provider: tp, interceptor: ic}, nil
}

// Interceptor is the client interceptor to put in client.Options.Interceptors; nil without tracing.
func (t *Tracing) Interceptor() interceptor.ClientInterceptor {
	if t == nil {
		return nil
	}
	return t.interceptor
}

// Shutdown flushes the spans not exported yet.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}
