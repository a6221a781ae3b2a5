package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/journey"
)

// TestSentEmailOpenMovesTheRun: an email sent through SendGrid (the fake)
// is opened — SendGrid's signed open event names the message ID the email
// carried in custom_args — and the run records the open and sends the
// follow-up, through SendGrid too.
func TestSentEmailOpenMovesTheRun(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	hooks := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, SendGridWebhookPublicKey: base64.StdEncoding.EncodeToString(der)}))
	defer hooks.Close()
	raw, err := journey.ToJSON([]byte(`
entry: { event: do_cart }
nodes:
  - { id: remind, kind: send, channel: email, template: { subject: "Your cart", body: "Come back" }, next: opened }
  - id: opened
    kind: wait_for
    events: [{ event: email_opened, match: 'event.properties.provider_event == "open"', next: thanks }]
    timeout: 1h
    on_timeout: done
  - { id: thanks, kind: send, channel: email, template: { subject: "Thanks", body: "Glad you looked" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "do", "name": "Open", "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/do/activate", "admin", nil, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_open", "messageId": "id-open",
		"traits": map[string]any{"email": "open@example.com"}}, http.StatusOK, nil)
	s.track("u_open", "do_cart", "do-1")
	eventually(t, 30*time.Second, "the email sent", func() bool {
		m := s.messagesOf("u_open")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})
	var sent struct {
		Personalizations []struct {
			CustomArgs map[string]string `json:"custom_args"`
		} `json:"personalizations"`
	}
	sg.Requests()[0].JSON(t, &sent)
	msgID := sent.Personalizations[0].CustomArgs["message_id"]

	body := fmt.Sprintf(`[{"email":"open@example.com","timestamp":%d,"event":"open","sg_event_id":"sg-open-9",
		"sg_message_id":"sg.9","message_id":%q,"workspace_id":"default"}]`, time.Now().Unix(), msgID)
	postSignedSendGrid(t, key, hooks.URL, body)
	eventually(t, 30*time.Second, "the follow-up after the open", func() bool {
		m := s.messagesOf("u_open")
		return len(m) == 2 && accepted(sg.Requests()) == 2
	})
	for _, m := range s.messagesOf("u_open") {
		if m.ID == msgID && m.Status != "opened" {
			t.Errorf("the opened email's status is %q", m.Status)
		}
	}
}
