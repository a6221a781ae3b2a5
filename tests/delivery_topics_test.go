package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/journey"
)

// TestDeliveryTopicsAndStoredFallback: sends name a consent topic and
// stored templates per channel. Hana's promotions email (the stored email
// template) carries the topic in custom_args and a one-click unsubscribe
// link; one click opts her out of promotions only: the next promotions
// email is skipped without a SendGrid call, a news email still goes. Ben,
// who has only a LINE user ID, gets the stored LINE template the node names
// as its fallback_template.
func TestDeliveryTopicsAndStoredFallback(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.deliveryWorkers(sg, ln, nil)
	s.call("POST", "/v1/templates", "admin", cartEmail, http.StatusCreated, nil)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "cart_line", "name": "Cart (LINE)", "channel": "line",
		"content": map[string]any{"messages": []any{map[string]any{"type": "text", "text": "Your {{ event.properties.product }} is waiting"}}}},
		http.StatusCreated, nil)
	launch := func(id, topic string) {
		raw, err := journey.ToJSON([]byte(fmt.Sprintf(`
entry: { event: %s_cart }
nodes:
  - { id: remind, kind: send, channel: email, fallback_channel: line, topic: %s,
      template: { name: cart_email }, fallback_template: { name: cart_line }, next: done }
  - { id: done, kind: exit }`, id, topic)))
		if err != nil {
			t.Fatal(err)
		}
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": id, "definition": json.RawMessage(raw)}, http.StatusCreated, nil)
		s.call("POST", "/v1/journeys/"+id+"/activate", "admin", nil, http.StatusOK, nil)
	}
	launch("promo_a", "promotions")
	launch("promo_b", "promotions")
	launch("news", "news")
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "hana", "messageId": "id-hana",
		"traits": map[string]any{"email": "hana@example.jp", "name": "Hana"}}, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "ben", "messageId": "id-ben",
		"traits": map[string]any{"lineUserId": "U0123456789abcdef0123456789abcdef"}}, http.StatusOK, nil)
	status := func(customer, journeyID string) string {
		for _, m := range s.messagesOf(customer) {
			if m.JourneyID == journeyID {
				return m.Status
			}
		}
		return ""
	}

	s.track("hana", "promo_a_cart", "ta-1")
	eventually(t, 60*time.Second, "hana's first promotions email", func() bool { return status("hana", "promo_a") == activities.MessageSent })
	var mail struct {
		Personalizations []struct {
			CustomArgs map[string]string `json:"custom_args"`
		} `json:"personalizations"`
		Subject string            `json:"subject"`
		Headers map[string]string `json:"headers"`
	}
	sg.Requests()[0].JSON(t, &mail)
	if mail.Personalizations[0].CustomArgs["topic"] != "promotions" || !strings.HasPrefix(mail.Subject, "Hana, your tea set") {
		t.Errorf("SendGrid mail = %+v, want the stored template with topic promotions", mail)
	}
	link := strings.Trim(mail.Headers["List-Unsubscribe"], "<>")
	_, token, ok := strings.Cut(link, "/u/")
	if !ok {
		t.Fatalf("List-Unsubscribe = %q", mail.Headers["List-Unsubscribe"])
	}
	// The API that serves the link shares the workers' unsubscribe secret.
	pages := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, UnsubscribeSecret: "s3cret"}))
	defer pages.Close()
	resp, err := http.PostForm(pages.URL+"/u/"+token, url.Values{"List-Unsubscribe": {"One-Click"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe = %v, %v", resp, err)
	}
	resp.Body.Close()

	s.track("hana", "promo_b_cart", "ta-2")
	eventually(t, 60*time.Second, "hana's second promotions email skipped", func() bool { return status("hana", "promo_b") == activities.MessageSkipped })
	s.track("hana", "news_cart", "ta-3")
	eventually(t, 60*time.Second, "hana's news email sent", func() bool { return status("hana", "news") == activities.MessageSent })
	if n := accepted(sg.Requests()); n != 2 {
		t.Errorf("SendGrid accepted %d emails, want 2 (promotions before the opt-out, news after)", n)
	}

	s.track("ben", "promo_a_cart", "ta-4")
	eventually(t, 60*time.Second, "ben's LINE message", func() bool { return status("ben", "promo_a") == activities.MessageSent })
	var push struct {
		Messages []struct{ Type, Text string }
	}
	ln.Requests()[0].JSON(t, &push)
	if len(push.Messages) != 1 || push.Messages[0].Text != "Your tea set is waiting" {
		t.Errorf("LINE push = %+v, want the stored LINE template", push)
	}
}
