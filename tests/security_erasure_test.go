package tests

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

// replayBatch is the customer's calls as a Segment client sends (and
// retries) them: identify with an address, then the journey's entry event.
func replayBatch(user string) map[string]any {
	return map[string]any{"batch": []any{
		map[string]any{"type": "identify", "userId": user, "messageId": "replay-identify", "traits": map[string]any{"email": "replay@example.jp"}},
		map[string]any{"type": "track", "userId": user, "event": "cart_add", "messageId": "replay-cart", "properties": map[string]any{"product": "kettle"}},
	}}
}

// TestSecurityErasureReplayCreatesNothing: after DELETE /v1/profiles/{id},
// the same calls again (same messageIds) create no profile, no event and no
// run. Before, the erasure also deleted the dedupe of their messageIds, so
// the replay re-created the profile with its email and entered the journey.
func TestSecurityErasureReplayCreatesNothing(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	ctx := context.Background()
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1h"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	const user = "replayed"
	s.call("POST", "/v1/batch", "write", replayBatch(user), http.StatusOK, nil)
	if st := s.status(workflowIDOf(user)); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("the first delivery did not enter the journey: %v", st)
	}
	s.call("DELETE", "/v1/profiles/"+user, "admin", nil, http.StatusOK, nil)

	s.call("POST", "/v1/batch", "write", replayBatch(user), http.StatusOK, nil)
	if status, _, _ := s.raw("GET", "/v1/profiles/"+user, map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != http.StatusNotFound {
		t.Errorf("GET the profile after the replay = %d, want 404", status)
	}
	for _, id := range []string{"replay-identify", "replay-cart"} {
		if _, err := s.store.GetEvent(ctx, "default", id); err == nil {
			t.Errorf("the replay stored event %s again", id)
		}
	}
	d, err := s.temporal.DescribeWorkflowExecution(ctx, workflowIDOf(user), "")
	var notFound *serviceerror.NotFound
	switch {
	case err != nil && !errors.As(err, &notFound):
		t.Fatal(err)
	case err == nil && d.WorkflowExecutionInfo.Status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		t.Errorf("the replay entered the journey again: run %s", d.WorkflowExecutionInfo.Execution.RunId)
	}
	// A new call of the same customer id is new data, and is taken.
	s.track(user, "page_viewed", "after-erasure-1")
	if _, err := s.store.GetEvent(ctx, "default", "after-erasure-1"); err != nil {
		t.Errorf("a new event after the erasure: %v", err)
	}
}

// TestSecurityErasureReimportedAddressStaysSuppressed: a customer who
// complained (spam report) is erased; the same address imported again
// under a new id is not mailed. Before, the erasure deleted the
// suppression with the profile and the journey mailed the new profile.
func TestSecurityErasureReimportedAddressStaysSuppressed(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	ctx := context.Background()
	s.call("POST", "/v1/profiles/import", "admin", map[string]any{"rows": []any{
		map[string]any{"line": 1, "id": "complainer", "traits": map[string]any{"email": "Aiko@Example.jp"}},
		map[string]any{"line": 2, "id": "unsubscriber", "traits": map[string]any{"email": "ken@example.jp"}},
	}}, http.StatusOK, nil)
	// What the SendGrid spam report webhook and the preference page record.
	if err := s.store.Suppress(ctx, store.Suppression{WorkspaceID: "default", Channel: "email", Address: "Aiko@Example.jp", Reason: store.SuppressSpamReport}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.SetConsent(ctx, store.Consent{WorkspaceID: "default", CustomerID: "unsubscriber", Channel: "email", Status: store.OptedOut, Source: "one_click"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"complainer", "unsubscriber"} {
		s.call("DELETE", "/v1/profiles/"+id, "admin", nil, http.StatusOK, nil)
	}

	s.call("POST", "/v1/profiles/import", "admin", map[string]any{"rows": []any{
		map[string]any{"line": 1, "id": "aiko_again", "traits": map[string]any{"email": "aiko@example.jp"}},
		map[string]any{"line": 2, "id": "ken_again", "traits": map[string]any{"email": "ken@example.jp"}},
		map[string]any{"line": 3, "id": "newcomer", "traits": map[string]any{"email": "new@example.jp"}},
	}}, http.StatusOK, nil)
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "1s"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)
	want := map[string]string{"aiko_again": "address suppressed: " + store.SuppressSpamReport,
		"ken_again": "address suppressed: " + store.SuppressUnsubscribe, "newcomer": ""}
	for id := range want {
		s.track(id, "cart_add", "cart-"+id)
	}
	for id, reason := range want {
		var msgs []store.LoggedMessage
		eventually(t, 30*time.Second, "the reminder of "+id, func() bool {
			msgs = s.messagesOf(id)
			return len(msgs) > 0
		})
		m := msgs[0]
		switch {
		case reason == "" && m.Status != "recorded":
			t.Errorf("%s: %s %q, want the reminder recorded", id, m.Status, m.Body)
		case reason != "" && (m.Status != "skipped" || m.Body != reason):
			t.Errorf("%s: %s %q, want skipped: %s", id, m.Status, m.Body, reason)
		}
	}
}

// TestSecurityErasureLogsCarryNoUnsubscribeToken: a preference page whose
// request fails logs its path with the token left out (before, the failure
// log carried the signed token, which opens the customer's preferences).
func TestSecurityErasureLogsCarryNoUnsubscribeToken(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	apiStore, err := store.OpenWith(ctx, s.dbURL, store.Options{StatementTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(apiStore.Close)
	var logs syncBuffer
	s.handler.Store(api.NewServer(api.Deps{Store: apiStore, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, UnsubscribeSecret: "test-secret", Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	token := unsubscribe.Sign("test-secret", unsubscribe.Token{WorkspaceID: "default", CustomerID: "u1", Channel: "email"})

	// The consent table locked: reading it fails at the statement timeout.
	lockTable(t, s, "consent")
	if status, _, _ := s.raw("GET", "/u/"+token, nil, ""); status != http.StatusServiceUnavailable {
		t.Fatalf("GET /u/{token} with consent locked = %d, want 503", status)
	}
	got := logs.String()
	if !strings.Contains(got, "/u/:token") || strings.Contains(got, token) {
		t.Errorf("log = %s; want the path without the token", got)
	}
}

// syncBuffer is a bytes.Buffer the handler's goroutine and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
