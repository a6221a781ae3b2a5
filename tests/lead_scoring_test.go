package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/workflows"
)

// TestLeadScoringEntersTheLeadScoreJourneyOnce: scoring rules give points
// for demo requests; the score crossing the lead-score template's threshold
// tracks lead_score_changed, which enters the journey exactly once — not
// again for a retried event, nor when the score climbs further.
func TestLeadScoringEntersTheLeadScoreJourneyOnce(t *testing.T) {
	s := startStack(t)
	w := s.startWorkerAllowing("127.0.0.1") // the sales receiver is a local server
	defer w.Stop()
	posts := make(chan map[string]any, 8)
	sales := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		posts <- body
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sales.Close()

	s.call("PUT", "/v1/scoring", "admin", map[string]any{
		"half_life": "14d",
		"events":    []map[string]any{{"id": "demo", "event": "demo_request", "points": 30}},
	}, http.StatusOK, nil)
	s.call("POST", "/v1/journey-templates/lead-score/launch", "admin", map[string]any{
		"id": "leads_scored", "params": map[string]any{"threshold": 50, "sales_webhook_url": sales.URL},
	}, http.StatusCreated, nil)

	s.track("cool_lead", "demo_request", "m_cool_1") // 30: below
	s.track("warm_lead", "demo_request", "m_warm_1") // 30
	s.track("warm_lead", "demo_request", "m_warm_2") // 60: crosses 50
	s.track("warm_lead", "demo_request", "m_warm_2") // the client's retry: scores nothing
	s.track("warm_lead", "demo_request", "m_warm_3") // 90: already above
	select {
	case body := <-posts:
		if body["customer_id"] != "warm_lead" || body["score"] != "60" {
			t.Errorf("sales got %v, want warm_lead at 60", body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sales got no webhook within 30 s")
	}
	eventually(t, 30*time.Second, "the warm lead's offer", func() bool { return len(s.outbox("warm_lead").Messages) == 1 })
	s.track("warm_lead", "lead_contacted", "m_warm_called") // ends the response timer
	id := workflows.JourneyWorkflowID("default", "leads_scored", "warm_lead")
	eventually(t, 30*time.Second, "the warm lead's run to end", func() bool {
		return s.status(id) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if n := len(s.outbox("warm_lead").Messages); n != 1 || len(posts) != 0 {
		t.Errorf("the warm lead got %d emails and %d more webhooks, want 1 and 0", n, len(posts))
	}
	if _, err := s.temporal.DescribeWorkflowExecution(context.Background(), workflows.JourneyWorkflowID("default", "leads_scored", "cool_lead"), ""); err == nil {
		t.Error("the cool lead (30 < 50) entered the journey")
	}
	var score struct {
		Score   float64
		History []map[string]any
	}
	s.call("GET", "/v1/profiles/warm_lead/score", "admin", nil, http.StatusOK, &score)
	if len(score.History) != 3 || score.Score < 89.99 || score.Score > 90 {
		t.Errorf("warm lead's score = %+v, want 90 (less a few ms of decay) from 3 awards", score)
	}
}

// TestScoringCommands: tabiji scoring apply, show and score against the API.
func TestScoringCommands(t *testing.T) {
	s := startStack(t)
	bad := writeFile(t, "bad.yaml", "half_life: 10m\nevents:\n  - { id: demo, event: demo_request, points: 0 }\n")
	if out, err := s.tabiji("scoring", "apply", "-f", bad); err == nil || !strings.Contains(err.Error(), "half_life") || !strings.Contains(err.Error(), "events[0].points") {
		t.Errorf("apply of bad rules = %v\n%s", err, out)
	}
	good := writeFile(t, "good.yaml", "half_life: 14d\nevents:\n  - { id: demo, event: demo_request, points: 30 }\n"+
		"traits:\n  - { id: cto, condition: 'has(profile.traits.title) && profile.traits.title == \"CTO\"', points: 20 }\n")
	if out, err := s.tabiji("scoring", "apply", "-f", good); err != nil || !strings.Contains(out, "Applied 1 event rules and 1 trait rules") {
		t.Fatalf("apply = %v\n%s", err, out)
	}
	if out, err := s.tabiji("scoring", "show"); err != nil || !strings.Contains(out, "half-life 14d") || !strings.Contains(out, "demo") || !strings.Contains(out, "once, when has(profile.traits.title)") {
		t.Errorf("show = %v\n%s", err, out)
	}
	s.track("ken", "demo_request", "m_ken_1")
	if out, err := s.tabiji("scoring", "score", "ken"); err != nil || !strings.Contains(out, "ken: 30.00 now") || !strings.Contains(out, "m_ken_1") {
		t.Errorf("score = %v\n%s", err, out)
	}
}
