package tests

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// startWorkerAllowing starts a journey worker whose webhooks may also call
// the private targets allow lists (TABIJI_OUTBOUND_ALLOW), as an operator
// opens an on-premises CRM.
func (s *stack) startWorkerAllowing(allow string) sdkworker.Worker {
	s.t.Helper()
	opts := activities.Options{Outbound: outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist(allow)})}
	w := worker.New(s.temporal, s.store, taskQueue, opts)
	if err := w.Start(); err != nil {
		s.t.Fatalf("start worker: %v", err)
	}
	return s.withSendWorkers(w, nil)
}

// TestSecurityOutboundWebhookCannotReachTheTemporalUI is the attack of
// issue 12: a journey's webhook node POSTs to the Temporal UI server on
// loopback to terminate another customer's run. A local listener stands
// in for the UI and records every request. Without the operator's
// allowlist the run's step fails with a clear refusal and the listener is
// never reached; with 127.0.0.1 allowed on purpose the same call goes
// through (so the listener does record what reaches it).
func TestSecurityOutboundWebhookCannotReachTheTemporalUI(t *testing.T) {
	s := startStack(t)
	var hits atomic.Int32
	ui := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer ui.Close()
	victim := workflows.JourneyWorkflowID("default", "cart_abandonment", "someone_else")
	s.createActive("exfil", `{"entry":{"event":"lead"},"nodes":[
		{"id":"hook","kind":"webhook","url":"`+ui.URL+`/api/v1/namespaces/default/workflows/`+victim+`/terminate",
		 "headers":{"Authorization":"Bearer stolen"},"body":{"reason":"{{ customer.id }}"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	hookOutcome := func(customer string) string {
		wid := workflows.JourneyWorkflowID("default", "exfil", customer)
		eventually(t, 30*time.Second, "the run of "+customer+" to end", func() bool {
			return s.exists(wid) && s.status(wid) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
		for _, step := range s.state(wid).Steps {
			if step.Node == "hook" {
				return step.Outcome
			}
		}
		t.Fatalf("run %s has no hook step", wid)
		return ""
	}

	t.Run("RefusedWithoutTheAllowlist", func(t *testing.T) {
		w := s.startWorker()
		defer w.Stop()
		s.track("attacker", "lead", "m_exfil_1")
		got := hookOutcome("attacker")
		if !strings.HasPrefix(got, "failed: ") || !strings.Contains(got, "webhook refused: 127.0.0.1 is not a public address") {
			t.Errorf("hook outcome = %q, want a refusal naming 127.0.0.1", got)
		}
		if n := hits.Load(); n != 0 {
			t.Errorf("the Temporal UI stand-in got %d requests, want none", n)
		}
	})

	t.Run("OpenedOnPurposeByTheOperator", func(t *testing.T) {
		w := s.startWorkerAllowing("127.0.0.1")
		defer w.Stop()
		s.track("onprem", "lead", "m_exfil_2")
		if got := hookOutcome("onprem"); got != "posted: 200" {
			t.Errorf("hook outcome = %q, want posted: 200", got)
		}
		if n := hits.Load(); n != 1 {
			t.Errorf("the listener got %d requests, want 1", n)
		}
	})
}

// TestSecurityOutboundWorkspaceBaseURLGetsNoOperatorCredentials is the
// issue's third attack: a workspace admin PUTs a SendGrid baseUrl of their
// own, then a test send would carry the operator's SENDGRID_API_KEY to it.
// The PUT is a 422 naming baseUrl; a base URL stored before the fix is
// ignored (the view says so); the test sends go to the operator's endpoint
// and the attacker's listener gets nothing.
func TestSecurityOutboundWorkspaceBaseURLGetsNoOperatorCredentials(t *testing.T) {
	s := startStack(t)
	sg := providertest.NewSendGrid(t) // the operator's SENDGRID_BASE_URL
	const operatorKey = "SG.operator-key-0123456789"
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer evil.Close()
	keys, err := settings.NewKeyring("e2e-secrets-key-0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	resolver := settings.NewResolver(s.store, settings.Options{Keyring: keys,
		Defaults: map[string]settings.Values{"email": {settings.APIKey: operatorKey, settings.BaseURL: sg.URL}}})
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, Channels: resolver}))
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "probe", "name": "Probe", "channel": "email",
		"content": map[string]any{"subject": "hi", "html": "<p>hi</p>", "from": "shop@example.com"}}, http.StatusCreated, nil)
	testSend := func() {
		t.Helper()
		s.call("POST", "/v1/templates/probe/test-send", "admin", map[string]any{"to": "qa@example.com"}, http.StatusAccepted, nil)
	}

	t.Run("PutBaseURLIsRefusedNamingIt", func(t *testing.T) {
		status, _, body := s.raw("PUT", "/v1/channels/email", map[string]string{"Authorization": "Bearer " + s.admin,
			"Content-Type": "application/json"}, `{"baseUrl": "`+evil.URL+`/x?"}`)
		if status != http.StatusUnprocessableEntity || !strings.Contains(mustJSON(t, body), `"field":"baseUrl"`) {
			t.Errorf("PUT baseUrl = %d %v, want 422 naming baseUrl", status, body)
		}
		testSend()
	})

	t.Run("AStoredBaseURLIsIgnored", func(t *testing.T) {
		// As a row written before the fix: Put itself does not check.
		if _, err := resolver.Put(context.Background(), "default", "email", settings.Values{settings.BaseURL: evil.URL + "/x?"}); err != nil {
			t.Fatal(err)
		}
		var view settings.View
		s.call("GET", "/v1/channels/email", "admin", nil, http.StatusOK, &view)
		if f := view.Settings["baseUrl"]; f.Value != sg.URL || f.Source != settings.FromEnvironment || !strings.Contains(f.Ignored, "is ignored") {
			t.Errorf("baseUrl view = %+v, want the operator's, the stored one shown as ignored", f)
		}
		testSend()
	})

	if n := hits.Load(); n != 0 {
		t.Errorf("the workspace's endpoint got %d requests, want none", n)
	}
	reqs := sg.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the operator's SendGrid got %d requests, want the 2 test sends", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "Bearer "+operatorKey {
			t.Errorf("test send Authorization = %q", r.Header.Get("Authorization"))
		}
	}
}
