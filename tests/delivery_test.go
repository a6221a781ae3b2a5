package tests

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
)

// startDeliveryWorkers runs the journey worker and the send workers with
// Send over the real SendGrid and LINE SDKs, against the fake providers.
func (s *stack) startDeliveryWorkers(sg *providertest.Server, ln *providertest.LINE) {
	s.t.Helper()
	s.startDeliveryWorkersWith(sg, ln, activities.Options{})
}

// startDeliveryWorkersWith is startDeliveryWorkers with the options extra
// sets on top: the click rewriter, more senders (push).
func (s *stack) startDeliveryWorkersWith(sg *providertest.Server, ln *providertest.LINE, extra activities.Options) {
	s.t.Helper()
	email, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: sg.URL})
	if err != nil {
		s.t.Fatal(err)
	}
	lineSender, err := line.NewSender(line.Config{ChannelAccessToken: "line-token", BaseURL: ln.URL})
	if err != nil {
		s.t.Fatal(err)
	}
	senders := map[string]channels.Sender{"email": email, "line": lineSender}
	maps.Copy(senders, extra.Senders) // push, say
	acts := activities.New(s.store, activities.Options{
		Senders:           senders,
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", EmailFrom: "shop@example.com", Clicks: extra.Clicks,
	})
	w := worker.New(s.temporal, s.store, taskQueue, activities.Options{})
	if err := w.Start(); err != nil {
		s.t.Fatal(err)
	}
	stop, err := worker.StartAll(worker.NewSendWorkers(s.temporal, acts, taskQueue, nil))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { stop(); w.Stop() })
}

func (s *stack) messagesOf(customer string) []store.LoggedMessage {
	s.t.Helper()
	msgs, _, err := s.store.MessageLog(context.Background(), "default", store.LogFilter{CustomerID: customer})
	if err != nil {
		s.t.Fatal(err)
	}
	return msgs
}

func accepted(reqs []providertest.Request) int {
	n := 0
	for _, r := range reqs {
		if r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// TestDeliveryThroughProviders: on the real stack a journey's email goes
// through SendGrid (its message ID in custom_args), a customer without an
// email gets the LINE fallback, a SendGrid 500 is retried into exactly one
// delivered email, and an opted-out customer gets nothing.
func TestDeliveryThroughProviders(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	raw, err := journey.ToJSON([]byte(`
entry: { event: dl_cart }
nodes:
  - { id: remind, kind: send, channel: email, fallback_channel: line, template: { subject: "Your cart", body: "Still want the {{ event.properties.product }}?" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "dl", "name": "Delivery", "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/dl/activate", "admin", nil, http.StatusOK, nil)
	identify := func(user string, traits map[string]any) {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": user, "messageId": "id-" + user, "traits": traits}, http.StatusOK, nil)
	}
	identify("u_mail", map[string]any{"email": "mail@example.com"})
	identify("u_line", map[string]any{"lineUserId": "U0123456789abcdef0123456789abcdef"})
	identify("u_out", map[string]any{"email": "out@example.com"})
	if _, err := s.store.SetConsent(context.Background(), store.Consent{WorkspaceID: "default", CustomerID: "u_out",
		Channel: "email", Status: "opted_out", Source: "test"}); err != nil {
		t.Fatal(err)
	}

	sg.FailNext(http.StatusInternalServerError, nil, 1)
	s.track("u_mail", "dl_cart", "dl-1")
	eventually(t, 30*time.Second, "the email sent", func() bool {
		m := s.messagesOf("u_mail")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})
	if n := accepted(sg.Requests()); n != 1 {
		t.Fatalf("SendGrid accepted %d emails, want 1 (invalid: %v)", n, sg.Invalid())
	}
	var body struct {
		Personalizations []struct {
			CustomArgs map[string]string `json:"custom_args"`
		} `json:"personalizations"`
	}
	reqs := sg.Requests()
	reqs[len(reqs)-1].JSON(t, &body)
	if id := s.messagesOf("u_mail")[0].ID; body.Personalizations[0].CustomArgs["message_id"] != id {
		t.Errorf("custom_args = %v, want message_id %s", body.Personalizations[0].CustomArgs, id)
	}

	s.track("u_line", "dl_cart", "dl-2")
	eventually(t, 30*time.Second, "the LINE fallback", func() bool {
		m := s.messagesOf("u_line")
		return len(m) == 1 && m[0].Channel == "line" && m[0].Status == activities.MessageSent
	})
	if n := accepted(ln.Requests()); n != 1 {
		t.Errorf("LINE accepted %d messages, want 1 (invalid: %v)", n, ln.Invalid())
	}

	s.track("u_out", "dl_cart", "dl-3")
	eventually(t, 30*time.Second, "the opted-out customer skipped", func() bool {
		m := s.messagesOf("u_out")
		return len(m) == 1 && m[0].Status == activities.MessageSkipped
	})
	if n := accepted(sg.Requests()); n != 1 {
		t.Errorf("after the opted-out customer SendGrid accepted %d emails, want 1", n)
	}
}

// TestDeliveryProviderFaults: on the real stack a SendGrid 400 fails the
// message and is never retried (the run goes on and ends), and a 429's
// Retry-After is waited out before the one email that is sent.
func TestDeliveryProviderFaults(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	raw, err := journey.ToJSON([]byte(`
entry: { event: df_cart }
nodes:
  - { id: remind, kind: send, channel: email, template: { subject: "Your cart", body: "Come back" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "df", "name": "Faults", "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/df/activate", "admin", nil, http.StatusOK, nil)
	for _, u := range []string{"u_bad", "u_slow"} {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.com"}}, http.StatusOK, nil)
	}

	sg.FailNext(http.StatusBadRequest, nil, 1)
	s.track("u_bad", "df_cart", "df-1")
	eventually(t, 30*time.Second, "the message failed", func() bool {
		m := s.messagesOf("u_bad")
		return len(m) == 1 && m[0].Status == activities.MessageFailed
	})
	wf := s.messagesOf("u_bad")[0].WorkflowID
	eventually(t, 30*time.Second, "the run ended", func() bool { return s.status(wf) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED })
	if n := len(sg.Requests()); n != 1 {
		t.Fatalf("SendGrid got %d requests for the refused email, want 1 (no retry)", n)
	}

	sg.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "3"}, 1)
	start := time.Now()
	s.track("u_slow", "df_cart", "df-2")
	eventually(t, 30*time.Second, "the rate-limited email sent", func() bool {
		m := s.messagesOf("u_slow")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})
	if waited := time.Since(start); waited < 3*time.Second {
		t.Errorf("sent %s after the 429, before its Retry-After of 3s", waited)
	}
	if n := accepted(sg.Requests()); n != 1 {
		t.Errorf("SendGrid accepted %d emails, want 1", n)
	}
}
