package tests

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/telemetry"
	"github.com/tabiji/tabiji/temporalheaders"
	"github.com/tabiji/tabiji/worker"
)

// TestOneTraceFromTrackToProvider: one /v1/track call that enters a
// customer into a journey is one trace, across the API and the worker and
// through the encrypting payload codec: the HTTP server span, the
// SignalWithStart span under it, the journey workflow's span, the Send
// activity's span and the SendGrid call's client span, each below the one
// before.
func TestOneTraceFromTrackToProvider(t *testing.T) {
	s := startStack(t)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	tr := telemetry.New(tp)
	tc := s.tracedClient(tr)
	sg := providertest.NewSendGrid(t)
	s.startTracedWorkers(tc, tr, sg)
	traced := httptest.NewServer(tr.Handler(api.NewServer(api.Deps{Store: s.store, Temporal: tc, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, PayloadCodec: s.codec}), "tabiji-api"))
	t.Cleanup(traced.Close)
	s.url = traced.URL // the stack's calls go to the traced API

	s.createActive("traced", `{"entry":{"event":"traced_cart"},"nodes":[
		{"id":"remind","kind":"send","channel":"email","template":{"subject":"Your cart","body":"still there"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_traced", "messageId": "id-traced",
		"traits": map[string]any{"email": "traced@example.com"}}, http.StatusOK, nil)
	s.track("u_traced", "traced_cart", "traced-1")
	eventually(t, 30*time.Second, "the email sent", func() bool {
		m := s.messagesOf("u_traced")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})

	sgURL, err := url.Parse(sg.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The workflow span ends with the run; wait for the chain to be whole.
	var chain []tracetest.SpanStub
	eventually(t, 30*time.Second, "one trace from /v1/track to SendGrid", func() bool {
		chain = traceChain(spans.GetSpans(), sgURL.Host)
		return chain != nil
	})
	var names []string
	for _, sp := range chain {
		names = append(names, sp.Name)
	}
	raw, _ := json.Marshal(names)
	t.Logf("trace %s: %s", chain[0].SpanContext.TraceID(), raw)
}

// traceChain finds, in one trace, the /v1/track server span, and below it a
// SignalWithStart span, the Journey workflow's, an activity's and the
// provider's client span, each the descendant of the one before; nil while
// any is missing.
func traceChain(all tracetest.SpanStubs, providerHost string) []tracetest.SpanStub {
	var root *tracetest.SpanStub
	for i, sp := range all {
		if sp.Name == "POST /v1/track" && sp.SpanKind == trace.SpanKindServer {
			root = &all[i]
		}
	}
	if root == nil {
		return nil
	}
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, sp := range all {
		if sp.SpanContext.TraceID() == root.SpanContext.TraceID() {
			byID[sp.SpanContext.SpanID()] = sp
		}
	}
	below := func(sp, ancestor tracetest.SpanStub) bool {
		for p, ok := sp, true; ok; p, ok = byID[p.Parent.SpanID()] {
			if p.SpanContext.SpanID() == ancestor.SpanContext.SpanID() {
				return true
			}
		}
		return false
	}
	steps := []func(tracetest.SpanStub) bool{
		func(sp tracetest.SpanStub) bool { return sp.Name == "SignalWithStartWorkflow:Journey" },
		func(sp tracetest.SpanStub) bool { return sp.Name == "RunWorkflow:Journey" },
		func(sp tracetest.SpanStub) bool { return len(sp.Name) > 12 && sp.Name[:12] == "RunActivity:" },
		func(sp tracetest.SpanStub) bool {
			return sp.SpanKind == trace.SpanKindClient && hasAttr(sp.Attributes, "server.address", providerHostname(providerHost))
		},
	}
	chain := []tracetest.SpanStub{*root}
	for _, step := range steps {
		found := false
		for _, sp := range byID {
			if step(sp) && below(sp, chain[len(chain)-1]) {
				chain, found = append(chain, sp), true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return chain
}

func providerHostname(hostport string) string {
	u := url.URL{Host: hostport}
	return u.Hostname()
}

func hasAttr(attrs []attribute.KeyValue, key, value string) bool {
	for _, kv := range attrs {
		if string(kv.Key) == key && kv.Value.AsString() == value {
			return true
		}
	}
	return false
}

// tracedClient is a second client of the stack's Temporal, configured as
// cli's dialTemporal does with tracing on: codec, headers, interceptor.
func (s *stack) tracedClient(tr *telemetry.Tracing) client.Client {
	s.t.Helper()
	opts := client.Options{HostPort: s.server.FrontendAddress(), Namespace: s.server.Namespace()}
	s.codec.Configure(&opts)
	temporalheaders.Configure(&opts)
	if err := tr.ConfigureTemporal(&opts); err != nil {
		s.t.Fatal(err)
	}
	tc, err := client.Dial(opts)
	if err != nil {
		s.t.Fatalf("dial Temporal: %v", err)
	}
	s.t.Cleanup(tc.Close)
	return tc
}

// startTracedWorkers starts the journey and send workers on tc, sending
// email to the fake SendGrid through the tracing's transport.
func (s *stack) startTracedWorkers(tc client.Client, tr *telemetry.Tracing, sg *providertest.Server) {
	s.t.Helper()
	email, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: sg.URL,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: tr.Transport(nil)}})
	if err != nil {
		s.t.Fatal(err)
	}
	acts := activities.New(s.store, activities.Options{Senders: map[string]channels.Sender{"email": email},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", EmailFrom: "shop@example.com"})
	w := worker.New(tc, s.store, taskQueue, activities.Options{})
	if err := w.Start(); err != nil {
		s.t.Fatal(err)
	}
	stop, err := worker.StartAll(worker.NewSendWorkers(tc, acts, taskQueue, nil))
	if err != nil {
		w.Stop()
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { stop(); w.Stop() })
}
