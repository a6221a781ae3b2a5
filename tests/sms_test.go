package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// smsStack is the e2e stack with SMS through the fake Twilio: an API whose
// public URL is its own address (Twilio posts there), the workspace's
// Twilio settings stored through it, and workers that send through them.
type smsStack struct {
	*stack
	twilio *providertest.Twilio
	url    string // the SMS API's base URL, also its public URL
}

func startSMSStack(t *testing.T) *smsStack {
	t.Helper()
	s := startStack(t)
	fake := providertest.NewTwilio(t)
	keys, err := settings.NewKeyring(e2eSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	resolver := settings.NewResolver(s.store, settings.Options{Keyring: keys,
		Defaults: map[string]settings.Values{"sms": {settings.BaseURL: fake.URL}}})
	var handler http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	handler = api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(), TaskQueue: taskQueue,
		Channels: resolver, PublicURL: hs.URL, PayloadCodec: s.codec, Clicks: e2eClickSigner(t)})
	acts := activities.New(s.store, activities.Options{SenderFor: resolver.Sender, PublicURL: hs.URL,
		ConfirmWithin: map[string]time.Duration{"sms": time.Minute},
		Clicks:        &clicks.Rewriter{Signer: e2eClickSigner(t), Base: hs.URL}})
	w := worker.New(s.temporal, s.store, taskQueue, activities.Options{})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	stop, err := worker.StartAll(worker.NewSendWorkers(s.temporal, acts, taskQueue, worker.Rates{"sms": 10}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); w.Stop() })
	ss := &smsStack{stack: s, twilio: fake, url: hs.URL}
	ss.put("/v1/channels/sms", map[string]string{"accountSid": fake.AccountSID, "authToken": fake.AuthToken, "fromNumber": "+815012345678"})
	return ss
}

// put sends a JSON PUT to the SMS API with the admin key.
func (s *smsStack) put(path string, body any) {
	s.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, s.url+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+s.admin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var problem bytes.Buffer
		_, _ = problem.ReadFrom(res.Body)
		s.t.Fatalf("PUT %s: %d %s", path, res.StatusCode, problem.String())
	}
}

// TestSMSJourneyToAJapaneseNumber: a journey sends an SMS to a customer
// whose phone is 090-1234-5678; the fake Twilio receives +819012345678 with
// a status callback; Twilio's signed "delivered" callback moves the message
// and the run that waits for sms_delivered; a forged callback is refused
// and changes nothing; a STOP reply opts the customer out, and the next
// promotional SMS is skipped without a call to Twilio.
func TestSMSJourneyToAJapaneseNumber(t *testing.T) {
	s := startSMSStack(t)
	s.createActive("sms_cart", `{"entry":{"event":"sms_cart"},"nodes":[
		{"id":"remind","kind":"send","channel":"sms","topic":"promotions","template":{"body":"{{ customer.traits.name }}様、カートに商品が残っています"},"next":"delivered"},
		{"id":"delivered","kind":"wait_for","events":[{"event":"sms_delivered","next":"done"}],"timeout":"1h","on_timeout":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.createActive("sms_sale", `{"entry":{"event":"sms_sale"},"nodes":[
		{"id":"sale","kind":"send","channel":"sms","topic":"promotions","template":{"body":"セール開始！"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_sms", "messageId": "id-sms",
		"traits": map[string]any{"phone": "090-1234-5678", "name": "花子"}}, http.StatusOK, nil)

	s.track("u_sms", "sms_cart", "sms-1")
	eventually(t, 30*time.Second, "the SMS sent", func() bool {
		m := s.messagesOf("u_sms")
		return len(m) == 1 && m[0].Status == activities.MessageSent
	})
	sent := s.twilio.Messages()
	if len(sent) != 1 || sent[0].To != "+819012345678" || sent[0].From != "+815012345678" || sent[0].Body != "花子様、カートに商品が残っています" {
		t.Fatalf("Twilio got %+v; want one SMS to +819012345678", sent)
	}
	msgID := s.messagesOf("u_sms")[0].ID
	if !strings.HasPrefix(sent[0].StatusCallback, s.url+"/webhooks/twilio/default?message=") {
		t.Fatalf("status callback %q does not name Tabiji's webhook", sent[0].StatusCallback)
	}

	if code := s.twilio.Post(t, sent[0].StatusCallback, s.twilio.StatusCallback(sent[0], "delivered", "")); code != http.StatusOK {
		t.Fatalf("signed status callback: %d", code)
	}
	eventually(t, 30*time.Second, "the message delivered and the run past its wait", func() bool {
		m := s.messagesOf("u_sms")
		return m[0].Status == "delivered" && m[0].ProviderID == sent[0].SID &&
			s.status(workflows.JourneyWorkflowID("default", "sms_cart", "u_sms")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})

	forged := s.twilio.StatusCallback(sent[0], "failed", "30006")
	if code := providertest.PostSigned(t, sent[0].StatusCallback, forged, providertest.Sign("0123456789abcdef0123456789abcdef", sent[0].StatusCallback, forged)); code != http.StatusUnauthorized {
		t.Errorf("forged callback: %d, want 401", code)
	}
	if m := s.messagesOf("u_sms"); m[0].Status != "delivered" || m[0].ID != msgID {
		t.Errorf("after the forged callback the message is %s", m[0].Status)
	}
	if _, err := s.store.Suppressed(t.Context(), "default", "sms", "+819012345678"); err == nil {
		t.Error("the forged failure suppressed the number")
	}

	if code := s.twilio.Post(t, s.url+"/webhooks/twilio/default", s.twilio.Inbound("+819012345678", "+815012345678", "STOP")); code != http.StatusOK {
		t.Fatalf("STOP reply: %d", code)
	}
	if got, _, _ := s.store.ConsentFor(t.Context(), "default", "u_sms", "sms", "promotions"); got != store.OptedOut {
		t.Fatalf("SMS consent after STOP = %q", got)
	}
	s.track("u_sms", "sms_sale", "sms-2")
	eventually(t, 30*time.Second, "the sale SMS skipped", func() bool {
		for _, m := range s.messagesOf("u_sms") {
			if m.NodeID == "sale" {
				return m.Status == activities.MessageSkipped && strings.Contains(m.Body, "opted out of sms")
			}
		}
		return false
	})
	if n := len(s.twilio.Messages()); n != 1 {
		t.Errorf("Twilio got %d messages, want 1 (nothing after STOP)", n)
	}
}

// TestSMSLinkIsRedirectedAndRecorded: a journey's SMS goes out through
// twilio-go to the fake Twilio with its link through Tabiji's redirect (the
// journey's UTM parameters added, the Japanese text around it as written);
// following it lands on exactly the shop's URL, records sms_clicked with
// the URL and moves the run that waits for it.
func TestSMSLinkIsRedirectedAndRecorded(t *testing.T) {
	s := startSMSStack(t)
	s.createActive("sms_link", `{"entry":{"event":"sms_link"},"link_tracking":{"utm":{"utm_source":"sms"}},"nodes":[
		{"id":"sale","kind":"send","channel":"sms","template":{"body":"セール https://shop.example.jp/s?c=1 本日まで"},"next":"wait"},
		{"id":"wait","kind":"wait_for","events":[{"event":"sms_clicked","next":"clicked"}],"timeout":"1h","on_timeout":"done"},
		{"id":"clicked","kind":"exit"},{"id":"done","kind":"exit"}]}`)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "u_sms_link", "messageId": "id-sms-link",
		"traits": map[string]any{"phone": "090-1234-5678"}}, http.StatusOK, nil)
	s.track("u_sms_link", "sms_link", "sms-link-1")
	eventually(t, 30*time.Second, "the SMS sent", func() bool { return len(s.twilio.Messages()) == 1 })
	body := s.twilio.Messages()[0].Body
	before, rest, _ := strings.Cut(body, s.url+"/r/")
	token, after, _ := strings.Cut(rest, " ")
	if before != "セール " || after != "本日まで" || token == "" {
		t.Fatalf("Twilio got %q, want the link through the redirect", body)
	}
	want := "https://shop.example.jp/s?c=1&utm_source=sms"
	follow(t, s.url+"/r/"+token, want)
	wf := workflows.JourneyWorkflowID("default", "sms_link", "u_sms_link")
	eventually(t, 30*time.Second, "the run leaving its wait on the click", func() bool {
		return slices.Contains(s.state(wf).Path, "clicked")
	})
	if m := s.messagesOf("u_sms_link"); len(m) != 1 || m[0].Status != "clicked" {
		t.Errorf("messages = %+v, want the SMS clicked", m)
	}
}
