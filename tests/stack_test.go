// Package tests holds the end-to-end tests: the real embedded Temporal
// server, real Postgres, the API and the worker, driven over HTTP.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/payloadcodec"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/temporalheaders"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// TestMain runs the tests on a private Postgres and removes the binaries
// the tests built (the tabiji binary, Temporal's service) once they end.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	removeBuiltBinaries()
	os.Exit(code)
}

const taskQueue = "tabiji-e2e"

// stack is the real engine, in this process, with handles to stop parts.
type stack struct {
	t        testing.TB
	store    *store.Store
	dbURL    string // the test database, to look behind the store
	temporal client.Client
	server   *devtemporal.Server
	dataDir  string       // Temporal's, kept across restartTemporal
	handler  atomic.Value // the API's http.Handler, swapped when Temporal restarts
	url      string       // the API's base URL
	admin    string
	write    string
	codec    *payloadcodec.Codec // encrypts the payloads, as TABIJI_SECRETS_KEY does in production
}

// e2eSecretsKey is the e2e stack's TABIJI_SECRETS_KEY.
const e2eSecretsKey = "tabiji-e2e-secrets-key-0123456789abcdef"

// e2eCodec is the payload codec of every Temporal client the e2e stack makes.
func e2eCodec(t testing.TB) *payloadcodec.Codec {
	t.Helper()
	c, err := payloadcodec.New(e2eSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	s := &stack{t: t, dbURL: pgtest.URL(t), dataDir: t.TempDir(), codec: e2eCodec(t)}
	st, err := store.Open(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	s.store = st
	s.startTemporal()
	if err := s.store.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	if s.admin, _, err = s.store.CreateKey(ctx, "default", store.RoleAdmin, "e2e admin"); err != nil {
		t.Fatal(err)
	}
	if s.write, _, err = s.store.CreateKey(ctx, "default", store.RoleWrite, "e2e write"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

// startTemporal starts the embedded server on the stack's data dir, and an
// API talking to it.
func (s *stack) startTemporal() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devtemporal.Start(ctx, devtemporal.Options{
		DataDir: s.dataDir, FrontendAddress: "127.0.0.1:0", UIAddress: devtemporal.UIOff,
		SearchAttributes: workflows.SearchAttributes(),
	})
	if err != nil {
		s.t.Fatalf("start Temporal: %v", err)
	}
	s.t.Cleanup(srv.Stop)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(), Logger: sdklog.NewStructuredLogger(quiet)}
	s.codec.Configure(&opts)
	temporalheaders.Configure(&opts) // as cli's dialTemporal
	tc, err := client.Dial(opts)
	if err != nil {
		s.t.Fatalf("dial Temporal: %v", err)
	}
	s.t.Cleanup(tc.Close)
	s.server, s.temporal = srv, tc
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: tc, Namespace: srv.Namespace(), TaskQueue: taskQueue, WebUIURL: "http://ui.test",
		PayloadCodec: s.codec, CodecOrigins: []string{"http://ui.test"}}))
}

// startWorker starts a journey worker; the test stops it when it likes.
func (s *stack) startWorker() sdkworker.Worker {
	s.t.Helper()
	w := worker.New(s.temporal, s.store, taskQueue)
	if err := w.Start(); err != nil {
		s.t.Fatalf("start worker: %v", err)
	}
	return s.withSendWorkers(w, nil)
}

// call sends a JSON request and decodes the JSON answer into out.
func (s *stack) call(method, path, auth string, body any, wantStatus int, out any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch auth {
	case "admin":
		req.Header.Set("Authorization", "Bearer "+s.admin)
	case "write":
		req.SetBasicAuth(s.write, "")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, raw, wantStatus)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func (s *stack) track(user, event, messageID string) {
	s.t.Helper()
	s.call("POST", "/v1/track", "write", map[string]any{
		"userId": user, "event": event, "messageId": messageID, "properties": map[string]any{"product": "tea set"},
	}, http.StatusOK, nil)
}

// eventually polls cond every 100 ms until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cartJourney is the shipped example with its wait set to wait.
func cartJourney(t testing.TB, wait string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../journey/examples/cart_abandonment.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	nodes := doc["definition"].(map[string]any)["nodes"].([]any)
	nodes[0].(map[string]any)["timeout"] = wait
	return doc
}

type outboxPage struct {
	Messages []struct {
		ID, CustomerID, JourneyID, NodeID, Channel, Subject, Body, Status, Recipient string
	} `json:"messages"`
}

func (s *stack) outbox(customer string) outboxPage {
	var page outboxPage
	s.call("GET", "/v1/outbox?customer="+customer, "admin", nil, http.StatusOK, &page)
	return page
}

func (s *stack) status(workflowID string) enums.WorkflowExecutionStatus {
	d, err := s.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil {
		s.t.Fatalf("describe %s: %v", workflowID, err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus()
}

func (s *stack) timerFired(workflowID string) bool {
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			s.t.Fatalf("history of %s: %v", workflowID, err)
		}
		if ev.GetTimerFiredEventAttributes() != nil {
			return true
		}
	}
	return false
}

func runsOf(s *stack, customer string) []map[string]any {
	var out struct {
		Runs []map[string]any `json:"runs"`
	}
	s.call("GET", "/v1/customers/"+customer+"/journeys", "admin", nil, http.StatusOK, &out)
	return out.Runs
}

func workflowIDOf(customer string) string {
	return workflows.JourneyWorkflowID("default", "cart_abandonment", customer)
}

// trackProps sends a track call with the given properties.
func (s *stack) trackProps(user, event, messageID string, props map[string]any) {
	s.t.Helper()
	s.call("POST", "/v1/track", "write", map[string]any{
		"userId": user, "event": event, "messageId": messageID, "properties": props,
	}, http.StatusOK, nil)
}

// state asks a run for its state (the workflow's state query).
func (s *stack) state(workflowID string) workflows.State {
	s.t.Helper()
	v, err := s.temporal.QueryWorkflow(context.Background(), workflowID, "", workflows.StateQuery)
	if err != nil {
		s.t.Fatalf("query %s: %v", workflowID, err)
	}
	var st workflows.State
	if err := v.Get(&st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

// writeRunHistory saves one run's history (of a workflow that continued as
// new, say) for the workflow replay test.
func (s *stack) writeRunHistory(workflowID, runID, path string) {
	s.t.Helper()
	var h historypb.History
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	s.writeClearHistory(&h, path)
}

// writeClearHistory saves a history with its payloads decrypted, so the
// replay tests read it without the e2e key.
func (s *stack) writeClearHistory(h *historypb.History, path string) {
	s.t.Helper()
	err := proxy.VisitPayloads(context.Background(), h, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return s.codec.Decode(p)
		},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	raw, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		s.t.Fatal(err)
	}
}
