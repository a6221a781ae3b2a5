package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/advertising"
)

// TestPromotionalSMSNeedsAnOptIn: SMS is specified electronic mail too. On
// the real stack with the fake Twilio and the advertising-mail policy on,
// a promotional SMS journey is not activated while the sender's identity
// is empty; once it is set, a promotional SMS to a customer without an SMS
// opt-in is skipped with reason "no opt-in" (Twilio never called) while a
// transactional one reaches them, and the customer who opted in for SMS
// gets the promotional one, with the sender's one-line identity (name and
// "reply STOP") that the transactional one does not carry.
func TestPromotionalSMSNeedsAnOptIn(t *testing.T) {
	s := startSMSStack(t)
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"optInRequired": true}, http.StatusOK, nil)
	promo := `{"entry":{"event":"sms_promo"},"nodes":[
		{"id":"offer","kind":"send","channel":"sms","template":{"body":"冬のセール開始！"},"next":"done"},
		{"id":"done","kind":"exit"}]}`
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "sms_promo", "name": "sms_promo", "definition": json.RawMessage(promo)}, http.StatusCreated, nil)
	var refused struct{ Errors []struct{ Field string } }
	s.call("POST", "/v1/journeys/sms_promo/activate", "admin", nil, http.StatusUnprocessableEntity, &refused)
	if len(refused.Errors) == 0 || refused.Errors[0].Field != "advertising.sender.name" {
		t.Fatalf("activation of a promotional SMS journey without a sender = %+v", refused)
	}
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"optInRequired": true, "sender": map[string]string{
		"name": "旅路茶舗", "address": "東京都千代田区千代田1-1", "contact": "stop@shop.example"}}, http.StatusOK, nil)
	s.call("POST", "/v1/journeys/sms_promo/activate", "admin", nil, http.StatusOK, nil)
	s.createActive("sms_notice", `{"entry":{"event":"sms_notice"},"nodes":[
		{"id":"notice","kind":"send","channel":"sms","transactional":true,"template":{"body":"ご注文を発送しました"},"next":"done"},
		{"id":"done","kind":"exit"}]}`)

	for u, phone := range map[string]string{"u_sms_in": "090-1111-2222", "u_sms_none": "090-3333-4444"} {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u, "traits": map[string]any{"phone": phone}}, http.StatusOK, nil)
	}
	// An email opt-in does not open SMS.
	for ch, u := range map[string]string{"sms": "u_sms_in", "email": "u_sms_none"} {
		s.call("POST", "/v1/profiles/"+u+"/consent", "admin", map[string]any{"channel": ch, "status": "opted_in", "source": "store_counter",
			"evidence": map[string]string{"form": "paper_form_12", "wording": "SMSとメールで案内を受け取る"}}, http.StatusCreated, nil)
	}
	s.track("u_sms_in", "sms_promo", "smsp-1")
	s.track("u_sms_none", "sms_promo", "smsp-2")
	s.track("u_sms_none", "sms_notice", "smsp-3")

	eventually(t, 30*time.Second, "the three SMS settled", func() bool {
		all := append(s.messagesOf("u_sms_in"), s.messagesOf("u_sms_none")...)
		for _, m := range all {
			if m.Status == activities.MessagePending || m.Status == activities.MessageSending {
				return false
			}
		}
		return len(all) == 3
	})
	if m := s.messagesOf("u_sms_in")[0]; m.Status != activities.MessageSent {
		t.Errorf("the SMS-opted-in customer's offer = %s %q", m.Status, m.Body)
	}
	for _, m := range s.messagesOf("u_sms_none") {
		if m.JourneyID == "sms_promo" && (m.Status != activities.MessageSkipped || m.Body != advertising.ReasonNoOptIn) {
			t.Errorf("the offer to a customer without an SMS opt-in = %s %q, want skipped %q", m.Status, m.Body, advertising.ReasonNoOptIn)
		}
		if m.JourneyID == "sms_notice" && m.Status != activities.MessageSent {
			t.Errorf("the shipping notice = %s %q, want sent", m.Status, m.Body)
		}
	}
	sent := map[string]string{}
	for _, m := range s.twilio.Messages() {
		sent[m.To] = m.Body
	}
	// The offer carries the sender's one line (name, and how to refuse:
	// reply STOP); the transactional notice does not.
	offer, notice := sent["+819011112222"], sent["+819033334444"]
	if len(sent) != 2 || !strings.HasPrefix(offer, "冬のセール開始！\n") || !strings.Contains(offer, "旅路茶舗") ||
		!strings.Contains(offer, "STOP") || strings.Count(offer, "\n") != 1 || notice != "ご注文を発送しました" {
		t.Errorf("Twilio got %q; want the offer with the sender's line to the opted-in number and only the bare notice to the other", sent)
	}
}
