package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// raw sends a request with a raw body and returns status, content type and body.
func (s *stack) raw(method, path string, header map[string]string, body string) (int, string, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

// problemField returns the first field a problem body names.
func problemField(p map[string]any) string {
	errs, _ := p["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["field"].(string)
}

func TestAPI(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	basic := func(key string) map[string]string {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(key, "")
		return map[string]string{"Authorization": req.Header.Get("Authorization"), "Content-Type": "application/json"}
	}
	bearer := func(key string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
	}

	t.Run("TrackRejectsBadInputNamingTheField", func(t *testing.T) {
		cases := []struct {
			name, body string
			status     int
			field      string
		}{
			{"NoUser", `{"event":"cart_add"}`, 400, "userId"},
			{"NoEvent", `{"userId":"u"}`, 400, "event"},
			{"PropertiesNotAnObject", `{"userId":"u","event":"e","properties":[1]}`, 400, "properties"},
			{"UserIDNotAString", `{"userId":true,"event":"e"}`, 400, "userId"},
			{"BadTimestamp", `{"userId":"u","event":"e","timestamp":"yesterday"}`, 400, "timestamp"},
			{"ContextNotAnObject", `{"userId":"u","event":"e","context":"web"}`, 400, "context"},
			{"NotJSON", `{"userId":`, 400, "body"},
			{"Empty", ``, 400, "body"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, ctype, p := s.raw("POST", "/v1/track", basic(s.write), tc.body)
				if status != tc.status || ctype != "application/problem+json" || problemField(p) != tc.field {
					t.Errorf("= %d %s %v, want %d naming %s", status, ctype, p, tc.status, tc.field)
				}
				if p["status"] != float64(tc.status) || p["title"] == "" {
					t.Errorf("problem body = %v", p)
				}
			})
		}
		big := `{"userId":"u","event":"e","properties":{"x":"` + strings.Repeat("a", 33<<10) + `"}}`
		if status, _, p := s.raw("POST", "/v1/track", basic(s.write), big); status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 33 KB call = %d %v, want 413", status, p)
		}
		// text/plain is how Segment's browser library and beacons send JSON, so it is read as
		// JSON (and checked like it); any other media type is refused.
		auth := basic(s.write)["Authorization"]
		if status, _, p := s.raw("POST", "/v1/track", map[string]string{"Authorization": auth, "Content-Type": "text/plain"}, `{}`); status != http.StatusBadRequest || problemField(p) != "userId" {
			t.Errorf("text/plain {} = %d %v, want 400 naming userId", status, p)
		}
		if status, _, _ := s.raw("POST", "/v1/track", map[string]string{"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}, `userId=u&event=e`); status != http.StatusUnsupportedMediaType {
			t.Errorf("a form body = %d, want 415", status)
		}
	})

	t.Run("TrackAcceptsSegmentCallsAndRepeatsOnce", func(t *testing.T) {
		body := `{"type":"track","userId":"u_seg","event":"page_view","messageId":"seg-1","timestamp":"2026-11-23T10:00:00.123Z",
			"properties":{"path":"/"},"context":{"library":{"name":"analytics-go"}},"integrations":{"All":true},"sentAt":"2026-11-23T10:00:01Z"}`
		for i := 0; i < 2; i++ {
			status, _, out := s.raw("POST", "/v1/track", basic(s.write), body)
			if status != http.StatusOK || out["success"] != true {
				t.Fatalf("call %d = %d %v", i, status, out)
			}
		}
		stored, inserted, err := s.store.InsertEvent(context.Background(), store.Event{WorkspaceID: "default", MessageID: "seg-1", UserID: "x", Name: "y"})
		if err != nil || inserted || stored.UserID != "u_seg" || stored.Name != "page_view" {
			t.Errorf("the event was not stored exactly once as sent: %+v inserted=%v err=%v", stored, inserted, err)
		}
	})

	t.Run("KeysAreCheckedAndRolesEnforced", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			header             map[string]string
			status             int
		}{
			{"TrackWithoutKey", "POST", "/v1/track", map[string]string{"Content-Type": "application/json"}, 401},
			{"TrackWithUnknownKey", "POST", "/v1/track", basic("tbj_w_nope"), 401},
			{"TrackWithAdminKey", "POST", "/v1/track", bearer(s.admin), 200},
			{"ManageWithoutKey", "GET", "/v1/journeys/x", nil, 401},
			{"ManageWithWriteKey", "GET", "/v1/journeys/x", bearer(s.write), 403},
			{"ManageWithBasicAdmin", "GET", "/v1/outbox", basic(s.admin), 401},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, _, p := s.raw(tc.method, tc.path, tc.header, `{"userId":"u","event":"e"}`)
				if status != tc.status {
					t.Errorf("= %d %v, want %d", status, p, tc.status)
				}
				if status >= 400 && p["detail"] == "" {
					t.Errorf("no detail in %v", p)
				}
			})
		}
	})

	t.Run("JourneysAreCreatedValidatedAndActivated", func(t *testing.T) {
		doc := cartJourney(t, "1h")
		doc["id"] = "cart_api"
		var j map[string]any
		s.call("POST", "/v1/journeys", "admin", doc, http.StatusCreated, &j)
		if j["id"] != "cart_api" || j["status"] != "draft" || j["name"] != "Cart abandonment" {
			t.Errorf("created = %v", j)
		}
		status, _, p := s.raw("POST", "/v1/journeys", bearer(s.admin), mustJSON(t, doc))
		if status != http.StatusConflict || problemField(p) != "id" {
			t.Errorf("a second cart_api = %d %v", status, p)
		}
		s.call("POST", "/v1/journeys/cart_api/activate", "admin", nil, http.StatusOK, &j)
		if j["status"] != "active" || j["activeVersion"] != float64(1) {
			t.Errorf("activated = %v", j)
		}
		status, _, p = s.raw("GET", "/v1/journeys/nope", bearer(s.admin), "")
		if status != http.StatusNotFound || p["detail"] == "" {
			t.Errorf("unknown journey = %d %v", status, p)
		}

		bad := map[string]any{"name": "Broken", "definition": map[string]any{
			"entry": map[string]any{"event": "cart_add"},
			"nodes": []any{map[string]any{"id": "w", "kind": "wait", "duration": "1m", "next": "missing"}},
		}}
		status, _, p = s.raw("POST", "/v1/journeys", bearer(s.admin), mustJSON(t, bad))
		if status != http.StatusUnprocessableEntity || problemField(p) != "definition.nodes[0].next" {
			t.Errorf("invalid definition = %d %v", status, p)
		}
		for name, body := range map[string]string{
			"NoName":       `{"definition":{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"exit"}]}}`,
			"BadID":        `{"id":"Cart Journey!","name":"x","definition":{"entry":{"event":"x"},"nodes":[{"id":"a","kind":"exit"}]}}`,
			"NoDefinition": `{"name":"x"}`,
			"UnknownField": `{"name":"x","defintion":{}}`, //nolint:misspell // the misspelt field is the test
		} {
			status, _, p := s.raw("POST", "/v1/journeys", bearer(s.admin), body)
			if status != http.StatusBadRequest || problemField(p) == "" {
				t.Errorf("%s = %d %v", name, status, p)
			}
		}
	})

	t.Run("WorkspacesNeverSeeEachOther", func(t *testing.T) {
		ctx := context.Background()
		if err := s.store.EnsureWorkspace(ctx, "other", "Other"); err != nil {
			t.Fatal(err)
		}
		otherAdmin, _, err := s.store.CreateKey(ctx, "other", store.RoleAdmin, "other admin")
		if err != nil {
			t.Fatal(err)
		}
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "mine", "name": "Mine", "definition": map[string]any{
			"entry": map[string]any{"event": "x"}, "nodes": []any{map[string]any{"id": "a", "kind": "exit"}}}}, http.StatusCreated, nil)
		for _, path := range []string{"/v1/journeys/mine"} {
			if status, _, _ := s.raw("GET", path, bearer(otherAdmin), ""); status != http.StatusNotFound {
				t.Errorf("other workspace GET %s = %d, want 404", path, status)
			}
		}
		if status, _, _ := s.raw("POST", "/v1/journeys/mine/activate", bearer(otherAdmin), ""); status != http.StatusNotFound {
			t.Errorf("other workspace activated our journey: %d", status)
		}
		_, _, out := s.raw("GET", "/v1/outbox", bearer(otherAdmin), "")
		if msgs, _ := out["messages"].([]any); len(msgs) != 0 {
			t.Errorf("other workspace sees %d of our messages", len(msgs))
		}
		_, _, out = s.raw("GET", "/v1/customers/u_seg/journeys", bearer(otherAdmin), "")
		if runs, _ := out["runs"].([]any); len(runs) != 0 {
			t.Errorf("other workspace sees our runs: %v", runs)
		}
		// Profiles of our customer (every other route: TestEveryEndpointStaysInItsWorkspace).
		for _, c := range []struct{ method, path string }{{"GET", "/v1/profiles/u_seg"}, {"GET", "/v1/profiles/u_seg/events"}, {"DELETE", "/v1/profiles/u_seg"}} {
			if status, _, _ := s.raw(c.method, c.path, bearer(otherAdmin), ""); status != http.StatusNotFound {
				t.Errorf("other workspace %s %s = %d, want 404", c.method, c.path, status)
			}
		}
		s.call("GET", "/v1/profiles/u_seg", "admin", nil, http.StatusOK, nil)
	})

	t.Run("OutboxValidatesItsQuery", func(t *testing.T) {
		for _, q := range []string{"limit=0", "limit=501", "limit=ten"} {
			if status, _, p := s.raw("GET", "/v1/outbox?"+q, bearer(s.admin), ""); status != 400 || problemField(p) != "limit" {
				t.Errorf("%s = %d %v", q, status, p)
			}
		}
		if status, _, p := s.raw("GET", "/v1/outbox?after=garbage", bearer(s.admin), ""); status != 400 || problemField(p) != "after" {
			t.Errorf("bad cursor = %d %v", status, p)
		}
	})

	t.Run("HealthAndReadiness", func(t *testing.T) {
		if status, _, out := s.raw("GET", "/healthz", nil, ""); status != 200 || out["status"] != "ok" {
			t.Errorf("healthz = %d %v", status, out)
		}
		status, _, out := s.raw("GET", "/readyz", nil, "")
		checks, _ := out["checks"].(map[string]any)
		if status != 200 || checks["postgres"] != "ok" || checks["temporal"] != "ok" {
			t.Errorf("readyz = %d %v", status, out)
		}
		if status, ctype, _ := s.raw("GET", "/v1/nothing", nil, ""); status != 404 || ctype != "application/problem+json" {
			t.Errorf("unknown path = %d %s", status, ctype)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
