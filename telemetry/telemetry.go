// Package telemetry traces a request from the HTTP API through Temporal's
// SignalWithStart, the journey workflow and its activities to the provider
// call, with OpenTelemetry, and exports the spans over OTLP when the
// standard OTEL_* variables name a collector. A nil *Tracing traces
// nothing and costs nothing: every method then hands back what it was given.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// Tracing is one process's tracer provider and the W3C propagator that
// carries its trace across HTTP and Temporal headers.
type Tracing struct {
	provider   trace.TracerProvider
	propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// New traces with provider (a test passes one over an in-memory exporter).
func New(provider trace.TracerProvider) *Tracing {
	return &Tracing{
		provider:   provider,
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		shutdown:   func(context.Context) error { return nil },
	}
}

// FromEnv returns the tracing the environment asks for, or nil when it asks
// for none: OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
// names the collector, OTEL_EXPORTER_OTLP_PROTOCOL (or its _TRACES_ form)
// picks "http/protobuf" (the default) or "grpc", OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none turn tracing off. The exporters read the other
// OTEL_EXPORTER_OTLP_* variables (headers, TLS, timeout) and the SDK reads
// OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
// service is the service name when OTEL_SERVICE_NAME is unset. It also
// installs the tracing as OpenTelemetry's global, for libraries that read
// only that (the FCM client's Google transport).
func FromEnv(ctx context.Context, getenv func(string) string, service string) (*Tracing, error) {
	if !configured(getenv) {
		return nil, nil
	}
	exp, err := exporter(ctx, getenv)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("telemetry: describe the process: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	t := New(tp)
	t.shutdown = tp.Shutdown
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(t.propagator)
	return t, nil
}

func configured(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// exporter makes the OTLP exporter of the protocol asked for; the exporter
// reads its endpoint and options from the environment itself.
func exporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	name, protocol := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		name, protocol = "OTEL_EXPORTER_OTLP_PROTOCOL", getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case "", "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("%s: %q is not a protocol Tabiji exports with (http/protobuf or grpc)", name, protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("telemetry: make the OTLP %s exporter: %w", protocol, err)
	}
	return exp, nil
}

// Shutdown sends the spans still buffered and stops exporting.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if err := t.shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("telemetry: flush spans: %w", err)
	}
	return nil
}

// ConfigureTemporal adds Temporal's tracing interceptor to the client's
// options: a span for each SignalWithStart and Signal the client sends,
// the trace carried in the Temporal header "_tracer-data" (headers are not
// payload data, so the payload codec leaves them as they are), and, in
// every worker made from the client, spans for workflows and activities
// whose loggers carry the trace and span ids.
func (t *Tracing) ConfigureTemporal(opts *client.Options) error {
	if t == nil {
		return nil
	}
	i, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            t.provider.Tracer("go.temporal.io/sdk"),
		TextMapPropagator: t.propagator,
	})
	if err != nil {
		return fmt.Errorf("telemetry: make Temporal's tracing interceptor: %w", err)
	}
	opts.Interceptors = append(opts.Interceptors, i)
	return nil
}

// Handler wraps an HTTP server's handler: a server span per request, the
// parent taken from the caller's traceparent header.
func (t *Tracing) Handler(h http.Handler, operation string) http.Handler {
	if t == nil {
		return h
	}
	return otelhttp.NewHandler(h, operation,
		otelhttp.WithTracerProvider(t.provider), otelhttp.WithPropagators(t.propagator))
}

// Transport wraps an HTTP client's transport (nil: http.DefaultTransport):
// a client span per provider call, and the traceparent header on it.
func (t *Tracing) Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t == nil {
		return rt
	}
	return otelhttp.NewTransport(rt,
		otelhttp.WithTracerProvider(t.provider), otelhttp.WithPropagators(t.propagator))
}
