package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestALaunchIsRecordedOnTheJourneyItMade: launching a template is an
// audit record of resource journeys with the new journey's id, whose
// detail keeps the template and the journey's name (and the approval
// request, under approvals) and whose after is the answer; the owner's audit page names the journey (id and name) and the
// template. A refused launch stays on the template.
func TestALaunchIsRecordedOnTheJourneyItMade(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: b.signals, PasswordParams: cheapHashes})
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	// Under approvals the launch makes the journey a draft and asks for its
	// activation (an activation proper runs on the real stack: the marketer's
	// browser tests check its record).
	if status, body := b.do(t, "PUT", "/v1/workspace/approvals", admin, `{"required":true}`); status != http.StatusOK {
		t.Fatalf("PUT approvals = %d %s", status, body)
	}
	launch := `{"id":"beans","name":"Beans after the maker","params":{"recommendation_url":"https://shop.example/beans"}}`
	if status, body := b.do(t, "POST", "/v1/journey-templates/cross-sell/launch", admin, launch); status != http.StatusAccepted {
		t.Fatalf("launch = %d %s", status, body)
	}
	if status, body := b.do(t, "POST", "/v1/journey-templates/cross-sell/launch", admin, launch); status != http.StatusConflict {
		t.Fatalf("launching the same id again = %d %s", status, body)
	}
	_, body := b.do(t, "GET", "/v1/audit?action=launch", admin, "")
	var log struct {
		Records []struct {
			Resource, ResourceID, Outcome string
			After                         struct{ Kind, TargetID string }
			Detail                        struct {
				Template        string
				Journey         struct{ ID, Name string }
				ApprovalRequest string
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &log); err != nil || len(log.Records) != 2 {
		t.Fatalf("the launches' records: %v %s", err, body)
	}
	made, refused := log.Records[1], log.Records[0] // newest first
	if made.Resource != "journeys" || made.ResourceID != "beans" || made.Outcome != "succeeded" {
		t.Errorf("the launch is recorded on %s %s (%s), want journeys beans", made.Resource, made.ResourceID, made.Outcome)
	}
	if made.Detail.Template != "cross-sell" || made.Detail.Journey.ID != "beans" || made.Detail.Journey.Name != "Beans after the maker" ||
		!strings.HasPrefix(made.Detail.ApprovalRequest, "apr_") {
		t.Errorf("the launch's detail = %+v, want the template, the journey and the approval request", made.Detail)
	}
	if made.After.Kind != "journey.activate" || made.After.TargetID != "beans" {
		t.Errorf("the launch's after = %+v, want the activation request", made.After)
	}
	if refused.Resource != "journey-templates" || refused.ResourceID != "cross-sell" || refused.Outcome != "refused" {
		t.Errorf("the refused launch is recorded on %s %s (%s), want the template", refused.Resource, refused.ResourceID, refused.Outcome)
	}

	b.person(t, "w", "owner@example.jp", "owner")
	owner := sessionFrom(t, b.login(t, "owner@example.jp", testPassword, "/ui/")).Value
	rec := b.uiRequest(t, "GET", "/ui/audit?action=launch&resource=journeys", owner, nil)
	page := rec.Body.String()
	for _, want := range []string{`data-resource="journeys" data-action="launch"`, "<code>beans</code>",
		`<span class="resource-name">Beans after the maker</span>`, `<span class="template">From the template cross-sell</span>`} {
		if rec.Code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("the audit page (%d) lacks %s", rec.Code, want)
		}
	}
}
