package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/scoring"
)

func TestScoringAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, write := b.keys(t, "w")
	admin["Content-Type"] = "application/json"

	t.Run("RefusesBadRulesNamingTheField", func(t *testing.T) {
		status, body := b.do(t, "PUT", "/v1/scoring", admin, `{"half_life":"soon","events":[{"id":"x","event":"page_viewed","filter":"event.properties.path ==","points":10}],
			"traits":[{"id":"x","condition":"true","points":0}]}`)
		for _, f := range []string{`"field":"half_life"`, `"field":"events[0].filter"`, `"field":"traits[0].id"`, `"field":"traits[0].points"`} {
			if status != 422 || !strings.Contains(body, f) {
				t.Errorf("PUT bad rules = %d %s, want 422 naming %s", status, body, f)
			}
		}
		if status, body := b.do(t, "PUT", "/v1/scoring", admin, `{"events":[],"decay":"14d"}`); status != 400 || !strings.Contains(body, `"field":"decay"`) {
			t.Errorf("unknown field = %d %s", status, body)
		}
		if status, body := b.do(t, "GET", "/v1/scoring", admin, ""); status != 200 || body != `{"events":[],"traits":[]}` {
			t.Errorf("GET after refusals = %d %s, want no rules", status, body)
		}
	})

	rules := `{"half_life":"14d",
		"events":[{"id":"pricing","event":"page_viewed","filter":"event.properties.path == \"/pricing\"","points":10},
		          {"id":"demo","event":"demo_request","points":50}],
		"traits":[{"id":"cto","condition":"has(profile.traits.title) && profile.traits.title == \"CTO\"","points":20}]}`
	if status, body := b.do(t, "PUT", "/v1/scoring", admin, rules); status != 200 {
		t.Fatalf("PUT rules = %d %s", status, body)
	}
	if status, body := b.do(t, "GET", "/v1/scoring", admin, ""); status != 200 || !strings.Contains(body, `"id":"demo"`) {
		t.Errorf("GET rules = %d %s", status, body)
	}

	now := time.Now().UTC()
	day0, day14 := now.AddDate(0, 0, -28).Format(time.RFC3339Nano), now.AddDate(0, 0, -14).Format(time.RFC3339Nano)
	batch := fmt.Sprintf(`{"batch":[
		{"type":"track","userId":"lead","event":"page_viewed","messageId":"m_page","timestamp":%q,"properties":{"path":"/pricing"}},
		{"type":"track","userId":"lead","event":"page_viewed","messageId":"m_blog","timestamp":%q,"properties":{"path":"/blog"}},
		{"type":"track","userId":"lead","event":"demo_request","messageId":"m_demo","timestamp":%q},
		{"type":"identify","userId":"lead","messageId":"m_who","timestamp":%q,"traits":{"title":"CTO"}}]}`, day0, day0, day14, day14)
	changed := func(id string) map[string]any {
		e, err := b.store.GetEvent(context.Background(), "w", id)
		if err != nil {
			t.Fatalf("no %s event %s: %v", scoring.ChangedEvent, id, err)
		}
		var props map[string]any
		_ = json.Unmarshal(e.Properties, &props)
		if e.Name != scoring.ChangedEvent || (e.UserID != "lead" && e.UserID != "imported_cto") {
			t.Errorf("%s = %+v", id, e)
		}
		return props
	}

	for attempt := range 2 { // the second is a client's retry: nothing changes
		if status, body := b.do(t, "POST", "/v1/batch", write, batch); status != 200 {
			t.Fatalf("batch = %d %s", status, body)
		}
		// Hand-computed, half-life 14 days: 10 on day 0; 10·½ + 50 = 55 on
		// day 14; the CTO trait then adds 20: 75 as of day 14.
		for id, want := range map[string][2]float64{"lead_score:m_page": {0, 10}, "lead_score:m_demo": {5, 55}, "lead_score:m_who": {55, 75}} {
			p := changed(id)
			if p["previous"] != want[0] || p["score"] != want[1] {
				t.Errorf("attempt %d: %s = %v, want %v → %v", attempt, id, p, want[0], want[1])
			}
		}
		if _, err := b.store.GetEvent(context.Background(), "w", "lead_score:m_blog"); err == nil {
			t.Error("the blog page (filtered out) changed the score")
		}
		var sc scoreResponse
		status, body := b.do(t, "GET", "/v1/profiles/lead/score", admin, "")
		if err := json.Unmarshal([]byte(body), &sc); status != 200 || err != nil {
			t.Fatalf("GET score = %d %s", status, body)
		}
		// 75 as of 14 days ago, one half-life: 37.5 now (less the ms since).
		if sc.Stored != 75 || math.Abs(sc.Score-37.5) > 0.001 || sc.HalfLife != "14d" || len(sc.History) != 3 || sc.History[0].RuleID != "cto" {
			t.Errorf("attempt %d: score = %+v", attempt, sc)
		}
	}
	t.Run("AnImportRunsTheTraitRulesOnce", func(t *testing.T) {
		body := `{"as_of":"2026-11-01T00:00:00Z","rows":[{"line":2,"id":"imported_cto","traits":{"title":"CTO"}}]}`
		for range 2 {
			if status, out := b.do(t, "POST", "/v1/profiles/import", admin, body); status != 200 {
				t.Fatalf("import = %d %s", status, out)
			}
		}
		p := changed("lead_score:import:2026-11-01T00:00:00Z:imported_cto")
		if p["score"] != 20.0 || p["previous"] != 0.0 {
			t.Errorf("the import's score change = %v, want 0 → 20", p)
		}
		var sc scoreResponse
		_, out := b.do(t, "GET", "/v1/profiles/imported_cto/score", admin, "")
		if err := json.Unmarshal([]byte(out), &sc); err != nil || sc.Stored != 20 || len(sc.History) != 1 {
			t.Errorf("score after two imports = %s, want 20 from one award", out)
		}
	})
	if status, body := b.do(t, "GET", "/v1/profiles/nobody/score", admin, ""); status != 404 {
		t.Errorf("score of nobody = %d %s", status, body)
	}
}
