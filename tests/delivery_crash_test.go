package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/worker"
)

// deliveryWorkers starts the journey worker and the send workers over the
// real SendGrid and LINE SDKs against the fakes, with opts' confirmation
// windows; the returned stop (idempotent) stops them all, as a crashed or
// redeployed worker process would go.
func (s *stack) deliveryWorkers(sg *providertest.Server, ln *providertest.LINE, confirm map[string]time.Duration) (stop func()) {
	s.t.Helper()
	email, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: sg.URL})
	if err != nil {
		s.t.Fatal(err)
	}
	lineSender, err := line.NewSender(line.Config{ChannelAccessToken: "line-token", BaseURL: ln.URL})
	if err != nil {
		s.t.Fatal(err)
	}
	acts := activities.New(s.store, activities.Options{
		Senders:           map[string]channels.Sender{"email": email, "line": lineSender},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", EmailFrom: "shop@example.com",
		ConfirmWithin: confirm,
	})
	w := worker.New(s.temporal, s.store, taskQueue, activities.Options{})
	if err := w.Start(); err != nil {
		s.t.Fatal(err)
	}
	stopSends, err := worker.StartAll(worker.NewSendWorkers(s.temporal, acts, taskQueue, nil))
	if err != nil {
		w.Stop()
		s.t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { stopSends(); w.Stop() }) }
	s.t.Cleanup(stop)
	return stop
}

// signedSendGridHooks serves the API with a SendGrid webhook key generated
// here, and returns its URL and the private key that signs deliveries.
func (s *stack) signedSendGridHooks() (string, *ecdsa.PrivateKey) {
	s.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	hooks := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, SendGridWebhookPublicKey: base64.StdEncoding.EncodeToString(der)}))
	s.t.Cleanup(hooks.Close)
	return hooks.URL, key
}

// pendingSendFailure is the last failure of the run's pending activity, "".
// Its message is encrypted like every payload: the codec's failure
// converter reads it.
func (s *stack) pendingSendFailure(workflowID string) string {
	d, err := s.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil || len(d.PendingActivities) == 0 || d.PendingActivities[0].LastFailure == nil {
		return ""
	}
	var opts client.Options
	s.codec.Configure(&opts)
	return opts.FailureConverter.FailureToError(d.PendingActivities[0].LastFailure).Error()
}

// TestWorkerKilledAfterTheProviderAcceptedSendsOnce: SendGrid takes the
// email but its answer never reaches the worker, which is stopped while it
// waits; a new worker retries the send, finds the row an unanswered call
// left "sending", and does not call SendGrid again: it waits for the
// webhook. SendGrid's signed processed and delivered events name the
// message; the retry then finds it delivered and the run goes on. SendGrid
// saw exactly one request.
func TestWorkerKilledAfterTheProviderAcceptedSendsOnce(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	hooks, key := s.signedSendGridHooks()
	confirm := map[string]time.Duration{"email": 10 * time.Minute}
	stopFirst := s.deliveryWorkers(sg, ln, confirm)
	raw, err := journey.ToJSON([]byte(`
entry: { event: dk_cart }
nodes:
  - { id: remind, kind: send, channel: email, template: { subject: "Your cart", body: "Come back" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "dk", "name": "Crash", "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/dk/activate", "admin", nil, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_crash", "messageId": "id-crash",
		"traits": map[string]any{"email": "crash@example.com"}}, http.StatusOK, nil)

	held := sg.HoldNext()
	s.track("u_crash", "dk_cart", "dk-1")
	select {
	case <-held.Arrived():
	case <-time.After(60 * time.Second):
		t.Fatal("the email never reached SendGrid")
	}
	stopFirst() // the worker goes while SendGrid's 202 is on its way
	held.Release()
	msgs := s.messagesOf("u_crash")
	if len(msgs) != 1 || msgs[0].Status != activities.MessageSending {
		t.Fatalf("after the crash the message log is %+v, want one message left sending", msgs)
	}
	msg := msgs[0]

	s.deliveryWorkers(sg, ln, confirm)
	eventually(t, 90*time.Second, "the new worker's attempt waiting for SendGrid's webhook", func() bool {
		return strings.Contains(s.pendingSendFailure(msg.WorkflowID), "waiting for its webhook")
	})
	if n := len(sg.Requests()); n != 1 {
		t.Fatalf("SendGrid got %d requests, want 1: the retry must not send again", n)
	}

	now := time.Now().Unix()
	postSignedSendGrid(t, key, hooks, fmt.Sprintf(`[
		{"email":"crash@example.com","timestamp":%d,"event":"processed","sg_event_id":"dk-p","sg_message_id":"sg-msg-1.f","message_id":%q,"workspace_id":"default"},
		{"email":"crash@example.com","timestamp":%d,"event":"delivered","sg_event_id":"dk-d","sg_message_id":"sg-msg-1.f","message_id":%q,"workspace_id":"default"}]`,
		now, msg.ID, now, msg.ID))
	eventually(t, 60*time.Second, "the run ended after the confirmation", func() bool {
		return s.status(msg.WorkflowID) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if m := s.messagesOf("u_crash"); len(m) != 1 || m[0].Status != "delivered" {
		t.Errorf("message log %+v, want the one message delivered", m)
	}
	if n := len(sg.Requests()); n != 1 {
		t.Errorf("SendGrid got %d requests in all, want exactly 1", n)
	}
	st := s.state(msg.WorkflowID)
	if len(st.Steps) < 1 || st.Steps[0].Outcome != "sent "+msg.ID {
		t.Errorf("steps %+v, want the send recorded as sent %s", st.Steps, msg.ID)
	}
}
