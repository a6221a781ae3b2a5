package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/store"
)

type broadcastAnswer struct {
	Status   string `json:"status"`
	Progress struct {
		Audience, Sent, Failed, Deferred, Remaining int
		Skipped                                     map[string]int
	} `json:"progress"`
	Live *struct {
		Status string `json:"status"`
		Sent   int    `json:"sent"`
	} `json:"live"`
}

func (s *stack) broadcast(id string) broadcastAnswer {
	s.t.Helper()
	var b broadcastAnswer
	s.call("GET", "/v1/broadcasts/"+id, "admin", nil, http.StatusOK, &b)
	return b
}

// TestBroadcastThroughTheAPI sends a broadcast on the real stack: a
// segment made through the API, a stored email template, the schedule
// call, the workflow's batches through the real SendGrid SDK to the fake,
// progress from GET; then a second broadcast scheduled an hour ahead is
// paused, resumed and cancelled before it sends anything.
func TestBroadcastThroughTheAPI(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	for _, u := range []string{"b_ann", "b_bob", "b_cat", "b_dan"} {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.com", "plan": "pro"}}, http.StatusOK, nil)
	}
	eventually(t, 10*time.Second, "the profiles are stored", func() bool {
		_, err := s.store.GetProfile(context.Background(), "default", "b_dan")
		return err == nil
	})
	if _, err := s.store.SetConsent(context.Background(), store.Consent{WorkspaceID: "default", CustomerID: "b_dan",
		Channel: "email", Topic: "promotions", Status: store.OptedOut, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "pro", "name": "Pro",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "pro"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "winter", "name": "Winter", "channel": "email",
		"content": map[string]any{"subject": "Winter sale", "from": "shop@example.com", "html": "<p>20% off, {{ profile.id }}</p>"}}, http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "winter", "name": "Winter sale", "segment": "pro",
		"channel": "email", "template": "winter", "topic": "promotions"}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/winter/schedule", "admin", nil, http.StatusAccepted, nil)
	eventually(t, 60*time.Second, "the broadcast completes", func() bool { return s.broadcast("winter").Status == "completed" })
	b := s.broadcast("winter")
	if p := b.Progress; p.Audience != 4 || p.Sent != 3 || p.Skipped["opted out of email (promotions)"] != 1 || p.Remaining != 0 {
		t.Errorf("progress = %+v", p)
	}
	// The per-customer HTML differs ({{ profile.id }}) only by a value: one
	// request carries all three, each personalization its own value.
	if n := accepted(sg.Requests()); n != 1 || len(sg.Invalid()) > 0 {
		t.Fatalf("SendGrid accepted %d requests (invalid: %v), want 1", n, sg.Invalid())
	}
	for _, m := range providertest.Mails(t, sg.Requests()[0]) {
		if id := strings.TrimSuffix(m.To, "@example.com"); m.Content["text/html"] != "<p>20% off, "+id+"</p>" || m.Content["text/plain"] != "20% off, "+id {
			t.Errorf("%s receives %q", m.To, m.Content)
		}
	}

	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "later", "name": "Later", "segment": "pro",
		"channel": "email", "content": {"subject": "Later", "from": "shop@example.com", "html": "<p>Hi</p>"}}`), http.StatusCreated, nil)
	at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	s.call("POST", "/v1/broadcasts/later/schedule", "admin", map[string]any{"sendAt": at}, http.StatusAccepted, nil)
	if b := s.broadcast("later"); b.Status != "scheduled" {
		t.Fatalf("scheduled broadcast is %s", b.Status)
	}
	s.call("POST", "/v1/broadcasts/later/cancel", "admin", nil, http.StatusAccepted, nil)
	eventually(t, 30*time.Second, "the cancel is recorded", func() bool { return s.broadcast("later").Status == "cancelled" })
	var problem struct{ Detail string }
	s.call("POST", "/v1/broadcasts/later/resume", "admin", nil, http.StatusConflict, &problem)
	if !strings.Contains(problem.Detail, "ended") {
		t.Errorf("resume after cancel: %q", problem.Detail)
	}
	if n := accepted(sg.Requests()); n != 1 {
		t.Errorf("the cancelled broadcast sent something: %d requests", n)
	}
}
