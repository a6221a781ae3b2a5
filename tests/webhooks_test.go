package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/journey"
)

// TestSendGridOpenMovesTheRun: on the real stack, a signed SendGrid open
// event about the welcome email ends the run's wait_for email_opened, so the
// run sends the follow-up; a replay of the delivery changes nothing, and the
// message log shows the open.
func TestSendGridOpenMovesTheRun(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	hooks := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, SendGridWebhookPublicKey: base64.StdEncoding.EncodeToString(der)}))
	defer hooks.Close()

	raw, err := journey.ToJSON([]byte(`
entry: { event: wh_signup }
nodes:
  - { id: welcome, kind: send, channel: email, template: { subject: Welcome, body: "Welcome" }, next: opened }
  - id: opened
    kind: wait_for
    events: [{ event: email_opened, match: 'event.properties.provider_event == "open"', next: tips }]
    timeout: 1h
    on_timeout: done
  - { id: tips, kind: send, channel: email, template: { body: "Glad you read it" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "wh", "name": "Webhook welcome", "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/wh/activate", "admin", nil, http.StatusOK, nil)
	s.track("u_opener", "wh_signup", "wh-1")
	eventually(t, 20*time.Second, "the welcome email", func() bool { return len(s.outbox("u_opener").Messages) == 1 })
	msgID := s.outbox("u_opener").Messages[0].ID

	body := fmt.Sprintf(`[{"email":"u@example.jp","timestamp":%d,"event":"open","sg_event_id":"sg-open-1","sg_message_id":"sg.1",
		"message_id":%q,"workspace_id":"default"}]`, time.Now().Unix(), msgID)
	deliver := func() string { return postSignedSendGrid(t, key, hooks.URL, body) }
	deliver()
	eventually(t, 20*time.Second, "the follow-up after the open", func() bool { return len(s.outbox("u_opener").Messages) == 2 })
	if got := deliver(); !strings.Contains(got, `"duplicates":1`) {
		t.Errorf("replay = %s", got)
	}
	var logged struct {
		Message struct{ Status, ProviderID string } `json:"message"`
		History []struct{ Status string }           `json:"history"`
	}
	s.call("GET", "/v1/messages/"+msgID, "admin", nil, http.StatusOK, &logged)
	if logged.Message.Status != "opened" || logged.Message.ProviderID != "sg.1" || len(logged.History) != 1 {
		t.Errorf("message log = %+v", logged)
	}
	if n := len(s.outbox("u_opener").Messages); n != 2 {
		t.Errorf("after the replay the outbox has %d messages, want 2", n)
	}
}

// postSignedSendGrid delivers a SendGrid event webhook body to Tabiji,
// signed as SendGrid signs it (ECDSA P-256 over timestamp + body), and
// returns the answer; anything but 200 fails the test.
func postSignedSendGrid(t *testing.T, key *ecdsa.PrivateKey, baseURL, body string) string {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha256.Sum256([]byte(ts + body))
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/webhooks/sendgrid/default", strings.NewReader(body))
	req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery = %d %s", resp.StatusCode, out)
	}
	return string(out)
}
