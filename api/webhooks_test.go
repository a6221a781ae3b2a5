package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// signalRecorder is a Temporal client that records the journey events
// signalled to runs (every other method panics: the webhooks use none).
type signalRecorder struct {
	client.Client
	mu      sync.Mutex
	signals []recordedSignal
}

type recordedSignal struct {
	workflowID string
	event      journey.Event
}

func (r *signalRecorder) SignalWorkflow(_ context.Context, workflowID, _, _ string, arg any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signals = append(r.signals, recordedSignal{workflowID, arg.(journey.Event)})
	return nil
}

func (r *signalRecorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.signals))
	for i, s := range r.signals {
		out[i] = s.event.Name
	}
	return out
}

// webhookBundle is a server with webhooks on, over a fresh database holding
// workspaces w and other, and customer u1 of w with an email address.
type webhookBundle struct {
	store   *store.Store
	signals *signalRecorder
	handler http.Handler
	sgKey   *sendgridSigner
}

const lineSecret = "line-channel-secret"

func setupWebhooks(t *testing.T) *webhookBundle {
	t.Helper()
	ctx := context.Background()
	st := pgtest.Store(t)
	for _, ws := range []string{"w", "other"} {
		if err := st.EnsureWorkspace(ctx, ws, ws); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{"email": "u1@example.jp"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := &webhookBundle{store: st, signals: &signalRecorder{}, sgKey: newSendGridSigner(t)}
	b.handler = NewServer(Deps{Store: st, Temporal: b.signals, SendGridWebhookPublicKey: b.sgKey.publicKey,
		LineChannelSecret: lineSecret, UnsubscribeSecret: "unsubscribe-secret"})
	return b
}

// sendMessage records a message of u1 in workspace w, sent by run wf-<id>.
func (b *webhookBundle) sendMessage(t *testing.T, id, channel string) {
	t.Helper()
	_, _, err := b.store.RecordMessage(context.Background(), store.Message{ID: id, WorkspaceID: "w", CustomerID: "u1",
		JourneyID: "j1", JourneyVersion: 1, WorkflowID: "wf-" + id, RunID: "r", NodeID: "send", Channel: channel})
	if err != nil {
		t.Fatal(err)
	}
}

func (b *webhookBundle) do(t *testing.T, method, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func (b *webhookBundle) message(t *testing.T, id string) (store.LoggedMessage, []store.MessageEvent) {
	t.Helper()
	m, history, err := b.store.LoggedMessageByID(context.Background(), "w", id)
	if err != nil {
		t.Fatal(err)
	}
	return m, history
}
