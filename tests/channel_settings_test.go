package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/worker"
)

// TestWorkspaceSettingsReachTheWorker: on the real stack, the API and the
// worker each have their own settings resolver (as two processes do). A
// journey's email goes to the outbox while the workspace has no SendGrid
// key; once the key is PUT through the API, the running worker sends the
// next customer's email through SendGrid with that key — no restart.
func TestWorkspaceSettingsReachTheWorker(t *testing.T) {
	s := startStack(t)
	sg := providertest.NewSendGrid(t)
	keys, err := settings.NewKeyring("e2e-secrets-key-0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]settings.Values{"email": {settings.BaseURL: sg.URL}}
	apiSide := settings.NewResolver(s.store, settings.Options{Keyring: keys, Defaults: defaults})
	workerSide := settings.NewResolver(s.store, settings.Options{Keyring: keys, Defaults: defaults, TTL: 500 * time.Millisecond})
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, Channels: apiSide}))

	w := worker.New(s.temporal, s.store, taskQueue)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	acts := activities.New(s.store, activities.Options{SenderFor: workerSide.Sender, EmailFrom: "shop@example.com"})
	stop, err := worker.StartAll(worker.NewSendWorkers(s.temporal, acts, taskQueue, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); w.Stop() })

	raw, err := journey.ToJSON([]byte(`
entry: { event: ws_cart }
nodes:
  - { id: remind, kind: send, channel: email, template: { subject: "Your cart", body: "Come back" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "wscart", "name": "Cart", "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/wscart/activate", "admin", nil, http.StatusOK, nil)

	for _, u := range []string{"u_before", "u_after"} {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.com"}}, http.StatusOK, nil)
	}
	s.track("u_before", "ws_cart", "ws-1")
	eventually(t, 30*time.Second, "the first email recorded in the outbox", func() bool {
		m := s.messagesOf("u_before")
		return len(m) == 1 && m[0].Status == activities.MessageRecorded
	})
	var view settings.View
	s.call("PUT", "/v1/channels/email", "admin", map[string]any{"apiKey": "SG.e2e-workspace-key"}, http.StatusOK, &view)
	if view.SendsThrough != "sendgrid" {
		t.Fatalf("after the put: %+v", view)
	}
	// The worker's resolver reads again within its TTL (it read the outbox for u_before).
	eventually(t, 5*time.Second, "the worker's resolver to see the key", func() bool {
		sender, err := workerSide.Sender(context.Background(), "default", "email")
		_, isOutbox := sender.(*outbox.Sender)
		return err == nil && !isOutbox
	})
	s.track("u_after", "ws_cart", "ws-2")
	eventually(t, 30*time.Second, "the second email sent through SendGrid", func() bool {
		m := s.messagesOf("u_after")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})
	reqs := sg.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer SG.e2e-workspace-key" {
		t.Fatalf("SendGrid requests = %+v, want one with the workspace's key", reqs)
	}
}
