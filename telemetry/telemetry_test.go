package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestFromEnv(t *testing.T) {
	t.Run("TracesNothingWithoutACollector", func(t *testing.T) {
		for _, vars := range []map[string]string{
			{},
			{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"},
			{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "none"},
		} {
			tr, err := FromEnv(t.Context(), env(vars), "tabiji-test")
			if err != nil || tr != nil {
				t.Errorf("FromEnv(%v) = %v, %v; want nil, nil", vars, tr, err)
			}
		}
	})
	t.Run("ExportsOverEitherProtocol", func(t *testing.T) {
		for _, protocol := range []string{"", "http/protobuf", "grpc"} {
			tr, err := FromEnv(t.Context(), env(map[string]string{
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
			}), "tabiji-test")
			if err != nil || tr == nil {
				t.Fatalf("protocol %q: FromEnv = %v, %v; want tracing", protocol, tr, err)
			}
			if err := tr.Shutdown(t.Context()); err != nil {
				t.Errorf("protocol %q: Shutdown: %v", protocol, err)
			}
		}
	})
	t.Run("RefusesAnUnknownProtocolNamingTheVariable", func(t *testing.T) {
		_, err := FromEnv(t.Context(), env(map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json",
		}), "tabiji-test")
		if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") {
			t.Errorf("err = %v, want one naming OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", err)
		}
	})
}

// TestNilTracingHandsBackWhatItWasGiven: tracing off adds no handler, no
// transport and no Temporal interceptor.
func TestNilTracingHandsBackWhatItWasGiven(t *testing.T) {
	var tr *Tracing
	h := http.NotFoundHandler()
	if got := tr.Handler(h, "x"); got == nil || httptestCode(got) != http.StatusNotFound {
		t.Errorf("Handler changed the handler")
	}
	if got := tr.Transport(nil); got != http.DefaultTransport {
		t.Errorf("Transport(nil) = %T, want http.DefaultTransport", got)
	}
	var opts client.Options
	if err := tr.ConfigureTemporal(&opts); err != nil || len(opts.Interceptors) != 0 {
		t.Errorf("ConfigureTemporal: %v, %d interceptors; want none", err, len(opts.Interceptors))
	}
	if err := tr.Shutdown(t.Context()); err != nil {
		t.Error(err)
	}
}

func httptestCode(h http.Handler) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	return rec.Code
}

// TestClientAndServerShareOneTrace: a request through the tracing's
// transport carries traceparent, and the server's span is its child.
func TestClientAndServerShareOneTrace(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tr := New(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	var header string
	srv := httptest.NewServer(tr.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		header = r.Header.Get("traceparent")
	}), "test-server"))
	defer srv.Close()
	hc := &http.Client{Transport: tr.Transport(nil)}
	res, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if header == "" {
		t.Fatal("the request carried no traceparent")
	}
	got := spans.GetSpans()
	if len(got) != 2 {
		t.Fatalf("%d spans, want the client's and the server's", len(got))
	}
	server, clientSpan := got[0], got[1]
	if server.SpanKind != trace.SpanKindServer {
		server, clientSpan = clientSpan, server
	}
	if server.Parent.SpanID() != clientSpan.SpanContext.SpanID() || server.SpanContext.TraceID() != clientSpan.SpanContext.TraceID() {
		t.Errorf("server span %v is not the child of client span %v", server.Parent, clientSpan.SpanContext)
	}
}

// TestLogHandlerCarriesTheTraceAndSpanIDs: a JSON line logged under a span
// names its trace and span; one logged without names neither.
func TestLogHandlerCarriesTheTraceAndSpanIDs(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "work")
	defer span.End()
	var buf bytes.Buffer
	log := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	log.InfoContext(ctx, "traced")
	log.Info("untraced")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %s", len(lines), buf.String())
	}
	var traced, untraced map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &traced); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &untraced); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if traced["trace_id"] != sc.TraceID().String() || traced["span_id"] != sc.SpanID().String() || traced["component"] != "test" {
		t.Errorf("traced line = %v, want trace_id %s span_id %s", traced, sc.TraceID(), sc.SpanID())
	}
	if _, ok := untraced["trace_id"]; ok {
		t.Errorf("untraced line = %v, want no trace_id", untraced)
	}
}
