package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/journey"
)

// sentEmail is one message of a SendGrid request: its custom args and
// the text and HTML parts.
type sentEmail struct {
	messageID, text, html string
}

// sentEmails reads every email the fake SendGrid accepted.
func sentEmails(t *testing.T, sg *providertest.Server) []sentEmail {
	t.Helper()
	var out []sentEmail
	for _, r := range sg.Requests() {
		if r.Status/100 != 2 {
			continue
		}
		var body struct {
			Personalizations []struct {
				CustomArgs map[string]string `json:"custom_args"`
			} `json:"personalizations"`
			Content []struct{ Type, Value string } `json:"content"`
		}
		r.JSON(t, &body)
		var e sentEmail
		for _, c := range body.Content {
			switch c.Type {
			case "text/plain":
				e.text = c.Value
			case "text/html":
				e.html = c.Value
			}
		}
		for _, p := range body.Personalizations {
			e.messageID = p.CustomArgs["message_id"]
			out = append(out, e)
		}
	}
	return out
}

// TestAdvertisingPolicy: on the real stack, with the workspace's
// advertising-mail policy on, a promotional journey is not activated while
// the sender's identity is empty (a 422 naming it); once it is set, a
// promotional email to a customer without a recorded opt-in is skipped
// with reason "no opt-in" while a transactional one reaches them, and the
// customer who opted in (by the consent API) gets the promotional email
// with the sender block in its HTML and text parts.
func TestAdvertisingPolicy(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"optInRequired": true}, http.StatusOK, nil)
	create := func(id, yaml string) {
		raw, err := journey.ToJSON([]byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": id, "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
	}
	create("sale", `
entry: { event: ad_sale }
nodes:
  - { id: offer, kind: send, channel: email, template: { subject: "Winter sale", body: "<html><body><p>20% off</p></body></html>" }, next: done }
  - { id: done, kind: exit }`)
	create("receipt", `
entry: { event: ad_order }
nodes:
  - { id: thanks, kind: send, channel: email, transactional: true, template: { subject: "Your order", body: "<p>Thank you</p>" }, next: done }
  - { id: done, kind: exit }`)

	var refused struct {
		Detail string
		Errors []struct{ Field string }
	}
	s.call("POST", "/v1/journeys/sale/activate", "admin", nil, http.StatusUnprocessableEntity, &refused)
	if len(refused.Errors) != 3 || refused.Errors[0].Field != "advertising.sender.name" ||
		refused.Errors[1].Field != "advertising.sender.address" || refused.Errors[2].Field != "advertising.sender.contact" ||
		!strings.Contains(refused.Detail, advertising.SettingPath) {
		t.Fatalf("activation without a sender = %+v", refused)
	}
	s.call("POST", "/v1/journeys/receipt/activate", "admin", nil, http.StatusOK, nil)
	s.call("PUT", "/v1/workspace/advertising", "admin", map[string]any{"optInRequired": true, "sender": map[string]string{
		"name": "Tabiji Tea Shop", "address": "1-1 Chiyoda, Chiyoda-ku, Tokyo 100-0001", "contact": "stop@shop.example"}}, http.StatusOK, nil)
	s.call("POST", "/v1/journeys/sale/activate", "admin", nil, http.StatusOK, nil)

	for _, u := range []string{"u_agreed", "u_never"} {
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u, "traits": map[string]any{"email": u + "@example.com"}}, http.StatusOK, nil)
	}
	s.call("POST", "/v1/profiles/u_agreed/consent", "admin", map[string]any{"channel": "email", "status": "opted_in", "source": "signup_form",
		"evidence": map[string]string{"form": "footer", "wording": "Send me offers", "ip": "203.0.113.9"}}, http.StatusCreated, nil)
	s.track("u_agreed", "ad_sale", "ad-1")
	s.track("u_never", "ad_sale", "ad-2")
	s.track("u_never", "ad_order", "ad-3")

	eventually(t, 30*time.Second, "the three messages settled", func() bool {
		all := append(s.messagesOf("u_agreed"), s.messagesOf("u_never")...)
		for _, m := range all {
			if m.Status == activities.MessagePending || m.Status == activities.MessageSending {
				return false
			}
		}
		return len(all) == 3 && len(s.messagesOf("u_agreed")) == 1
	})
	if m := s.messagesOf("u_agreed")[0]; m.Status != activities.MessageSent {
		t.Errorf("the opted-in customer's offer = %s %q", m.Status, m.Body)
	}
	byJourney := map[string]string{}
	for _, m := range s.messagesOf("u_never") {
		byJourney[m.JourneyID] = m.Status + " " + m.Body
		if m.JourneyID == "sale" && (m.Status != activities.MessageSkipped || m.Body != advertising.ReasonNoOptIn) {
			t.Errorf("the offer to a customer without opt-in = %s %q, want skipped %q", m.Status, m.Body, advertising.ReasonNoOptIn)
		}
		if m.JourneyID == "receipt" && m.Status != activities.MessageSent {
			t.Errorf("the receipt = %s %q, want sent", m.Status, m.Body)
		}
	}
	emails := sentEmails(t, sg)
	if len(emails) != 2 {
		t.Fatalf("SendGrid accepted %d emails, want the offer and the receipt: %v (invalid: %v)", len(emails), byJourney, sg.Invalid())
	}
	for _, e := range emails {
		promo := e.messageID == s.messagesOf("u_agreed")[0].ID
		hasBlock := strings.Contains(e.html, advertising.BlockMarker) && strings.Contains(e.text, advertising.BlockMarker) &&
			strings.Contains(e.html, "1-1 Chiyoda, Chiyoda-ku, Tokyo 100-0001") && strings.Contains(e.text, "stop@shop.example")
		if promo != hasBlock {
			t.Errorf("email %s (promotional %v) has the sender block %v:\ntext: %s\nhtml: %s", e.messageID, promo, hasBlock, e.text, e.html)
		}
	}
}
