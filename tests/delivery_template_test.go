package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// TestCartAbandonmentTemplateDeliversAndRecordsTheOpen: a marketer launches
// the cart-abandonment journey template through the API; a customer with an
// email address gets the reminder through SendGrid (the real SDK, the
// spec-checking fake), one with only a LINE user ID gets it on LINE; the
// fake SendGrid's signed open event reaches the run that sent the email,
// which records it as its latest event and keeps waiting for the purchase.
func TestCartAbandonmentTemplateDeliversAndRecordsTheOpen(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	hooks, key := s.signedSendGridHooks()
	s.deliveryWorkers(sg, ln, nil)
	s.call("POST", "/v1/journey-templates/cart-abandonment/launch", "admin", map[string]any{
		"id": "cart_e2e", "params": map[string]any{"delay": "2s", "coupon": "TEA10"},
	}, http.StatusCreated, nil)
	const lineUser = "U0123456789abcdef0123456789abcdef"
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "aiko", "messageId": "id-aiko",
		"traits": map[string]any{"email": "aiko@example.com"}}, http.StatusOK, nil)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "ben", "messageId": "id-ben",
		"traits": map[string]any{"lineUserId": lineUser}}, http.StatusOK, nil)
	s.track("aiko", "cart_add", "cart-aiko")
	s.track("ben", "cart_add", "cart-ben")

	sent := func(customer, channel string) func() bool {
		return func() bool {
			m := s.messagesOf(customer)
			return len(m) == 1 && m[0].Channel == channel && m[0].Status == activities.MessageSent
		}
	}
	eventually(t, 60*time.Second, "aiko's email sent", sent("aiko", "email"))
	eventually(t, 60*time.Second, "ben's LINE message sent", sent("ben", "line"))

	if reqs := sg.Requests(); len(reqs) != 1 || accepted(reqs) != 1 {
		t.Fatalf("SendGrid got %d requests, want 1 accepted (invalid: %v)", len(reqs), sg.Invalid())
	}
	var mail struct {
		Personalizations []struct {
			To         []struct{ Email string } `json:"to"`
			CustomArgs map[string]string        `json:"custom_args"`
		} `json:"personalizations"`
		Content []struct{ Value string } `json:"content"`
	}
	sg.Requests()[0].JSON(t, &mail)
	email := s.messagesOf("aiko")[0]
	if p := mail.Personalizations[0]; p.To[0].Email != "aiko@example.com" || p.CustomArgs["message_id"] != email.ID ||
		!strings.Contains(mail.Content[0].Value, "TEA10") {
		t.Errorf("SendGrid mail = %+v, want aiko's reminder with TEA10 and message_id %s", mail, email.ID)
	}
	if reqs := ln.Requests(); len(reqs) != 1 || accepted(reqs) != 1 {
		t.Fatalf("LINE got %d requests, want 1 accepted (invalid: %v)", len(reqs), ln.Invalid())
	}
	var push struct {
		To       string `json:"to"`
		Messages []struct{ Type, Text string }
	}
	ln.Requests()[0].JSON(t, &push)
	if push.To != lineUser || len(push.Messages) != 1 || push.Messages[0].Type != "text" || !strings.Contains(push.Messages[0].Text, "TEA10") {
		t.Errorf("LINE push = %+v, want ben's reminder as text with TEA10", push)
	}

	postSignedSendGrid(t, key, hooks, fmt.Sprintf(`[{"email":"aiko@example.com","timestamp":%d,"event":"open",
		"sg_event_id":"cart-open-1","sg_message_id":"sg-msg-1.f","message_id":%q,"workspace_id":"default"}]`, time.Now().Unix(), email.ID))
	wf := workflows.JourneyWorkflowID("default", "cart_e2e", "aiko")
	eventually(t, 30*time.Second, "the run recording the open", func() bool {
		st := s.state(wf)
		return st.LastEvent != nil && st.LastEvent.Name == "email_opened" && st.LastEvent.Properties["message_id"] == email.ID
	})
	if st := s.state(wf); st.Status != workflows.StatusRunning || st.Node != "wait_for_conversion" {
		t.Errorf("after the open the run is %s at %s, want running at wait_for_conversion", st.Status, st.Node)
	}
	m, history, err := s.store.LoggedMessageByID(t.Context(), "default", email.ID)
	if err != nil || m.Status != "opened" {
		t.Errorf("the email's status = %q, %v; want opened", m.Status, err)
	}
	if !hasEvent(history, "open") {
		t.Errorf("the email's history %s has no open", mustJSONString(history))
	}
}

func hasEvent(history []store.MessageEvent, providerEvent string) bool {
	for _, e := range history {
		if e.ProviderEvent == providerEvent {
			return true
		}
	}
	return false
}

func mustJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
