package tests

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/workflows"
)

// salesReceiver is the sales team's endpoint: each POST's JSON body.
func salesReceiver(t *testing.T) (string, chan map[string]any) {
	t.Helper()
	posts := make(chan map[string]any, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("sales got a body that is not JSON: %v", err)
		}
		posts <- body
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, posts
}

func nextPost(t *testing.T, posts chan map[string]any, what string) map[string]any {
	t.Helper()
	select {
	case body := <-posts:
		return body
	case <-time.After(30 * time.Second):
		t.Fatalf("sales got no %s within 30 s", what)
		return nil
	}
}

// TestLeadHandOverToSales: hana's score crosses the threshold through the
// workspace's scoring rules; sales gets a webhook carrying her profile, her
// score and its history, her last events and pages, and her owner an email
// with the same; nobody tracks lead_contacted within the response time, so
// the alert escalates (a webhook marked escalated, an email to the
// escalation address). ken, entered by his CRM's score on a journey with no
// owner, is contacted in time and converts: his run ends contacted with no
// escalation and no owner email. The lead KPIs count 2 handed over, 1
// contacted, 1 converted.
func TestLeadHandOverToSales(t *testing.T) {
	s := startStack(t)
	w := s.startWorkerAllowing("127.0.0.1") // the sales receiver is a local server
	defer w.Stop()
	salesURL, posts := salesReceiver(t)
	s.call("PUT", "/v1/scoring", "admin", map[string]any{
		"half_life": "14d", "events": []map[string]any{{"id": "demo", "event": "demo_request", "points": 30}},
	}, http.StatusOK, nil)
	s.call("POST", "/v1/journey-templates/lead-score/launch", "admin", map[string]any{"id": "leads_owned", "params": map[string]any{
		"threshold": 50, "sales_webhook_url": salesURL, "sales_owner_email": "sato@shop.example.jp",
		"escalation_email": "boss@shop.example.jp", "response_time": "2s"}}, http.StatusCreated, nil)
	s.call("POST", "/v1/journey-templates/lead-score/launch", "admin", map[string]any{"id": "leads_crm", "params": map[string]any{
		"threshold": 50, "sales_webhook_url": salesURL, "score_event": "crm_score", "response_time": "1h"}}, http.StatusCreated, nil)

	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "hana", "messageId": "m_hana_id",
		"traits": map[string]any{"email": "hana@example.jp", "name": "山田 花子"}}, http.StatusOK, nil)
	s.call("POST", "/v1/page", "write", map[string]any{"userId": "hana", "messageId": "m_hana_page", "name": "Pricing",
		"properties": map[string]any{"url": "https://shop.example.jp/pricing", "title": "料金プラン"}}, http.StatusOK, nil)
	s.track("hana", "demo_request", "m_hana_1") // 30
	s.track("hana", "demo_request", "m_hana_2") // 60: crosses 50

	alert := nextPost(t, posts, "alert for hana")
	lead, _ := alert["lead"].(map[string]any)
	profile, _ := lead["profile"].(map[string]any)
	history, _ := lead["score_history"].([]any)
	pages, _ := lead["recent_pages"].([]any)
	events, _ := lead["recent_events"].([]any)
	if alert["customer_id"] != "hana" || profile["email"] != "hana@example.jp" || len(history) != 2 || len(pages) != 1 || len(events) < 2 {
		t.Fatalf("sales got %v, want hana's profile, 2 score changes, her page and her events", alert)
	}
	if page := pages[0].(map[string]any); page["url"] != "https://shop.example.jp/pricing" || page["title"] != "料金プラン" {
		t.Errorf("recent page = %v", page)
	}
	if score, _ := lead["score"].(float64); score < 59.9 || score > 60 {
		t.Errorf("lead score = %v, want 60", lead["score"])
	}
	escalation := nextPost(t, posts, "escalation for hana")
	if escalation["customer_id"] != "hana" || escalation["escalated"] != true || escalation["lead"] == nil {
		t.Errorf("escalation = %v", escalation)
	}
	eventually(t, 30*time.Second, "the owner's, the lead's and the escalation's emails", func() bool { return len(s.outbox("hana").Messages) == 3 })
	to := map[string]string{}
	for _, m := range s.outbox("hana").Messages {
		to[m.NodeID] = m.Recipient
		if m.NodeID == "email_owner" && (!strings.Contains(m.Subject, "山田 花子") || !strings.Contains(m.Body, "https://shop.example.jp/pricing") ||
			!strings.Contains(m.Body, "demo_request") || !strings.Contains(m.Body, "30 → 60")) {
			t.Errorf("the owner's email lacks the lead: %q %q", m.Subject, m.Body)
		}
	}
	if to["email_owner"] != "sato@shop.example.jp" || to["send_offer_call"] != "" || to["email_escalation"] != "boss@shop.example.jp" {
		t.Errorf("recipients by node = %v", to)
	}

	s.trackProps("ken", "crm_score", "m_ken_score", map[string]any{"score": 75})
	if alert := nextPost(t, posts, "alert for ken"); alert["customer_id"] != "ken" || alert["lead"] == nil {
		t.Errorf("ken's alert = %v", alert)
	}
	eventually(t, 30*time.Second, "ken's offer", func() bool { return len(s.outbox("ken").Messages) == 1 })
	s.track("ken", "lead_contacted", "m_ken_called")
	ken := workflows.JourneyWorkflowID("default", "leads_crm", "ken")
	eventually(t, 30*time.Second, "ken's run to end contacted", func() bool {
		return s.status(ken) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	s.track("ken", "lead_converted", "m_ken_won")
	if m := s.outbox("ken").Messages; len(m) != 1 || m[0].Recipient != "" || len(posts) != 0 {
		t.Errorf("ken got %v and sales %d more posts, want only his offer", m, len(posts))
	}
	var kpis struct {
		Leads struct {
			HandedOver, Contacted, Converted int
			ContactRate                      float64
		}
	}
	s.call("GET", "/v1/kpis/leads", "admin", nil, http.StatusOK, &kpis)
	if k := kpis.Leads; k.HandedOver != 2 || k.Contacted != 1 || k.Converted != 1 || k.ContactRate != 0.5 {
		t.Errorf("lead KPIs = %+v, want 2 handed over, 1 contacted, 1 converted", k)
	}
}
