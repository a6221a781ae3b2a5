package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

type templateBody struct {
	Name       string
	Title      string
	Doc        struct{ Purpose, KPI, Trigger string }
	Parameters []struct {
		Name, Type, Description string
		Default                 any
		Required                bool
	}
	Definition map[string]any
}

func TestJourneyTemplates(t *testing.T) {
	s := startStack(t)
	w := s.startWorkerAllowing("127.0.0.1") // the sales receiver is a local server
	defer w.Stop()
	bearer := func(key string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
	}

	t.Run("ListsTheLibraryWithDocsAndParameters", func(t *testing.T) {
		var out struct{ Templates []templateBody }
		s.call("GET", "/v1/journey-templates", "admin", nil, http.StatusOK, &out)
		if len(out.Templates) != 10 {
			t.Fatalf("%d templates, want 10", len(out.Templates))
		}
		for _, tpl := range out.Templates {
			if tpl.Title == "" || tpl.Doc.Purpose == "" || tpl.Doc.KPI == "" || len(tpl.Parameters) == 0 {
				t.Errorf("%s is missing its doc or parameters: %+v", tpl.Name, tpl)
			}
		}
		var one templateBody
		s.call("GET", "/v1/journey-templates/cart-abandonment", "admin", nil, http.StatusOK, &one)
		if one.Parameters[0].Name != "delay" || one.Parameters[0].Type != "duration" || one.Parameters[0].Default != "30m" {
			t.Errorf("first parameter = %+v", one.Parameters[0])
		}
		if !strings.Contains(mustJSON(t, one.Definition), `"${delay}"`) {
			t.Errorf("the definition does not show where delay goes: %v", one.Definition)
		}
		s.call("GET", "/v1/journey-templates/cart-abandonmnet", "admin", nil, http.StatusNotFound, nil)
	})

	t.Run("LaunchedCartAbandonmentRemindsAfterItsDelay", func(t *testing.T) {
		var j struct {
			ID, Status string
			Version    int
			Definition map[string]any
		}
		s.call("POST", "/v1/journey-templates/cart-abandonment/launch", "admin", map[string]any{
			"id": "cart_2s", "params": map[string]any{"delay": "2s", "coupon": "TEA10"},
		}, http.StatusCreated, &j)
		if j.ID != "cart_2s" || j.Status != "active" || j.Version != 1 {
			t.Fatalf("launched = %+v, want cart_2s active v1", j)
		}
		s.track("mika", "cart_add", "m_tpl_cart")
		eventually(t, 30*time.Second, "the reminder in the outbox", func() bool { return len(s.outbox("mika").Messages) == 1 })
		m := s.outbox("mika").Messages[0]
		if m.JourneyID != "cart_2s" || m.Subject != "You left something in your cart" || !strings.Contains(m.Body, "TEA10") {
			t.Errorf("message = %+v, want the reminder with code TEA10", m)
		}
		id := workflows.JourneyWorkflowID("default", "cart_2s", "mika")
		if _, err := s.temporal.DescribeWorkflowExecution(context.Background(), id, ""); err != nil {
			t.Errorf("no run %s: %v", id, err)
		}
	})

	t.Run("LeadScoreAlertsSalesOnceTheScoreReachesTheThreshold", func(t *testing.T) {
		posts := make(chan map[string]any, 4)
		sales := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			posts <- body
			w.WriteHeader(http.StatusAccepted)
		}))
		defer sales.Close()
		s.call("POST", "/v1/journey-templates/lead-score/launch", "admin", map[string]any{
			"id": "leads_e2e", "params": map[string]any{"threshold": 70, "sales_webhook_url": sales.URL},
		}, http.StatusCreated, nil)
		score := func(user, id string, v float64) {
			s.call("POST", "/v1/track", "write", map[string]any{
				"userId": user, "event": "lead_score_changed", "messageId": id, "properties": map[string]any{"score": v},
			}, http.StatusOK, nil)
		}
		score("cold_lead", "m_score_cold", 40)
		score("hot_lead", "m_score_hot", 91)
		select {
		case body := <-posts:
			if body["customer_id"] != "hot_lead" || body["score"] != "91" {
				t.Errorf("sales got %v", body)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("sales got no webhook within 30 s")
		}
		eventually(t, 30*time.Second, "the email to the hot lead", func() bool { return len(s.outbox("hot_lead").Messages) == 1 })
		// Entry is decided when the event is tracked: the cold lead has no run at all.
		if _, err := s.temporal.DescribeWorkflowExecution(context.Background(), workflows.JourneyWorkflowID("default", "leads_e2e", "cold_lead"), ""); err == nil {
			t.Error("the cold lead (40 < 70) entered the journey")
		}
		if n := len(s.outbox("cold_lead").Messages); n != 0 || len(posts) != 0 {
			t.Errorf("the cold lead (40 < 70) got %d emails and %d webhooks", n, len(posts))
		}
	})

	t.Run("DefaultsNameAndIDFromTheTemplate", func(t *testing.T) {
		var j struct{ ID, Name, Status string }
		s.call("POST", "/v1/journey-templates/lead-score/launch", "admin",
			map[string]any{"params": map[string]any{"sales_webhook_url": "https://crm.test/hook"}}, http.StatusCreated, &j)
		if j.ID != "lead_score_threshold" || j.Name != "Lead-score threshold" || j.Status != "active" {
			t.Errorf("launched = %+v", j)
		}
		status, _, p := s.raw("POST", "/v1/journey-templates/lead-score/launch", bearer(s.admin),
			`{"params":{"sales_webhook_url":"https://crm.test/hook"}}`)
		if status != http.StatusConflict || problemField(p) != "id" {
			t.Errorf("second launch = %d %v, want 409 naming id", status, p)
		}
	})

	t.Run("BadParametersAre422NamingTheParameter", func(t *testing.T) {
		cases := []struct{ name, path, body, field string }{
			{"WrongType", "cart-abandonment", `{"id":"bad1","params":{"delay":30}}`, "params.delay"},
			{"Unknown", "cart-abandonment", `{"id":"bad2","params":{"dealy":"2s"}}`, "params.dealy"},
			{"Missing", "lead-score", `{"id":"bad3"}`, "params.sales_webhook_url"},
			{"NotAURL", "lead-score", `{"id":"bad4","params":{"sales_webhook_url":"crm"}}`, "params.sales_webhook_url"},
			{"BreaksTheDefinition", "birthday", `{"id":"bad5","params":{"send_at":"9am"}}`, "definition.entry.date.at"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, ctype, p := s.raw("POST", "/v1/journey-templates/"+tc.path+"/launch", bearer(s.admin), tc.body)
				if status != http.StatusUnprocessableEntity || ctype != "application/problem+json" || problemField(p) != tc.field {
					t.Errorf("= %d %s %v, want 422 naming %s", status, ctype, p, tc.field)
				}
			})
		}
		s.call("GET", "/v1/journeys/bad1", "admin", nil, http.StatusNotFound, nil)
		for body, field := range map[string]string{`{"params":[1]}`: "params", `{"id":"Bad Id"}`: "id", `{"colour":1}`: "colour", `{`: "body"} {
			status, _, p := s.raw("POST", "/v1/journey-templates/welcome/launch", bearer(s.admin), body)
			if status != http.StatusBadRequest || problemField(p) != field {
				t.Errorf("%s = %d %v, want 400 naming %s", body, status, p, field)
			}
		}
	})

	t.Run("NeedAnAdminKey", func(t *testing.T) {
		for _, path := range []string{"/v1/journey-templates", "/v1/journey-templates/welcome"} {
			if status, _, _ := s.raw("GET", path, nil, ""); status != http.StatusUnauthorized {
				t.Errorf("GET %s without a key = %d", path, status)
			}
			if status, _, _ := s.raw("GET", path, bearer(s.write), ""); status != http.StatusForbidden {
				t.Errorf("GET %s with a write key = %d", path, status)
			}
		}
		if status, _, _ := s.raw("POST", "/v1/journey-templates/welcome/launch", bearer(s.write), `{}`); status != http.StatusForbidden {
			t.Errorf("launch with a write key = %d", status)
		}
	})

	t.Run("LaunchesStayInTheirWorkspace", func(t *testing.T) {
		ctx := context.Background()
		if err := s.store.EnsureWorkspace(ctx, "tpl_other", "Other"); err != nil {
			t.Fatal(err)
		}
		other, _, err := s.store.CreateKey(ctx, "tpl_other", store.RoleAdmin, "other admin")
		if err != nil {
			t.Fatal(err)
		}
		// The same ID as default's journey: IDs are per workspace.
		status, _, p := s.raw("POST", "/v1/journey-templates/welcome/launch", bearer(other), `{"id":"cart_2s"}`)
		if status != http.StatusCreated || p["id"] != "cart_2s" {
			t.Fatalf("launch in the other workspace = %d %v", status, p)
		}
		status, _, p = s.raw("GET", "/v1/journeys/cart_2s", bearer(s.admin), "")
		if status != http.StatusOK || !strings.Contains(mustJSON(t, p["definition"]), "cart_add") {
			t.Errorf("default's cart_2s was changed by the other workspace's launch: %d %v", status, p)
		}
		status, _, p = s.raw("POST", "/v1/journey-templates/welcome/launch", bearer(other), `{"name":"Only here"}`)
		if status != http.StatusCreated {
			t.Fatalf("launch = %d %v", status, p)
		}
		if status, _, _ := s.raw("GET", "/v1/journeys/only_here", bearer(s.admin), ""); status != http.StatusNotFound {
			t.Errorf("default's admin sees the other workspace's journey: %d", status)
		}
	})

	t.Run("LaunchesAreHeldToTheTaxonomy", func(t *testing.T) {
		ctx := context.Background()
		if err := s.store.EnsureWorkspace(ctx, "tpl_tax", "Taxonomy"); err != nil {
			t.Fatal(err)
		}
		key, _, err := s.store.CreateKey(ctx, "tpl_tax", store.RoleAdmin, "tax admin")
		if err != nil {
			t.Fatal(err)
		}
		for path, body := range map[string]string{
			"/v1/taxonomy/policy": `{"unknownEvents":"reject"}`,
			"/v1/taxonomy/events": `{"name":"purchase","properties":[]}`,
		} {
			method := map[string]string{"/v1/taxonomy/policy": "PUT", "/v1/taxonomy/events": "POST"}[path]
			if status, _, p := s.raw(method, path, bearer(key), body); status/100 != 2 {
				t.Fatalf("%s %s = %d %v", method, path, status, p)
			}
		}
		// cart_add is not in the taxonomy, which rejects unknown events: the journey could never start.
		status, _, p := s.raw("POST", "/v1/journey-templates/cart-abandonment/launch", bearer(key), `{}`)
		if status != http.StatusUnprocessableEntity || problemField(p) != "definition.entry.event" {
			t.Errorf("launch = %d %v, want 422 naming definition.entry.event", status, p)
		}
		status, _, p = s.raw("POST", "/v1/journey-templates/cart-abandonment/launch", bearer(key), `{"params":{"cart_event":"purchase"}}`)
		if status != http.StatusCreated {
			t.Errorf("launch with known events = %d %v", status, p)
		}
	})

	t.Run("ServesTheJourneySchema", func(t *testing.T) {
		status, ctype, p := s.raw("GET", "/v1/schemas/journey.json", nil, "")
		if status != http.StatusOK || ctype != "application/schema+json" || p["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("= %d %s %v", status, ctype, p["$schema"])
		}
	})
}
