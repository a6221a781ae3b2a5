package tests

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// send makes a request with an admin key (or the given Authorization) and
// a raw body of the given content type; it returns the status and the body.
func (s *stack) send(method, path, auth, ctype, body string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if auth == "" {
		auth = "Bearer " + s.admin
	}
	req.Header.Set("Authorization", auth)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// problemFields lists the fields a problem body names.
func problemFields(b []byte) []string {
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	_ = json.Unmarshal(b, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

func changesOf(t *testing.T, b []byte) (applied bool, changes []string) {
	t.Helper()
	var out struct {
		Applied bool              `json:"applied"`
		Changes []taxonomy.Change `json:"changes"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Changes == nil {
		t.Fatalf("not an apply answer: %s", b)
	}
	for _, c := range out.Changes {
		changes = append(changes, c.String())
	}
	return out.Applied, changes
}

const yamlType = "application/yaml"

func TestTaxonomyAPI(t *testing.T) {
	s := startStack(t)
	sheet, err := os.ReadFile("../examples/taxonomy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("SheetRoundTripsThroughEveryFormat", func(t *testing.T) {
		status, body := s.send("PUT", "/v1/taxonomy", "", yamlType, string(sheet))
		applied, changes := changesOf(t, body)
		if status != 200 || !applied || len(changes) != 11 || changes[0] != "+ events.app_open" {
			t.Fatalf("apply = %d %v %v", status, applied, changes)
		}
		for _, format := range []struct{ query, ctype string }{{"?format=yaml", yamlType}, {"?format=csv", "text/csv"}, {"", "application/json"}} {
			status, exported := s.send("GET", "/v1/taxonomy"+format.query, "", "", "")
			if status != 200 {
				t.Fatalf("export %s = %d %s", format.query, status, exported)
			}
			status, body = s.send("PUT", "/v1/taxonomy?dry_run=true", "", format.ctype, string(exported))
			if applied, changes := changesOf(t, body); status != 200 || applied || len(changes) != 0 {
				t.Errorf("re-import of export%s = %d applied=%v %v", format.query, status, applied, changes)
			}
		}
	})

	t.Run("DryRunShowsTheDiffAndChangesNothing", func(t *testing.T) {
		edited := strings.Replace(string(sheet), "unknownEvents: quarantine", "unknownEvents: reject", 1)
		status, body := s.send("PUT", "/v1/taxonomy?dry_run=true", "", yamlType, edited)
		if applied, changes := changesOf(t, body); status != 200 || applied || len(changes) != 1 || changes[0] != "~ unknownEvents: quarantine → reject" {
			t.Errorf("dry run = %d %v %v", status, applied, changes)
		}
		_, got := s.send("GET", "/v1/taxonomy/policy", "", "", "")
		if !strings.Contains(string(got), `"unknownEvents":"quarantine"`) {
			t.Errorf("a dry run applied: %s", got)
		}
	})

	t.Run("BadSheetsNameTheField", func(t *testing.T) {
		badType := strings.Replace(string(sheet), "      - name: opened_at\n        type: timestamp", "      - name: opened_at\n        type: date", 1)
		cases := []struct {
			name, query, ctype, body string
			status                   int
			field                    string
		}{
			{"PropertyType", "", yamlType, badType, 422, "events[2].properties[1].type"},
			{"Policy", "", "application/json", `{"unknownEvents":"ignore","events":[]}`, 422, "unknownEvents"},
			{"UnknownJSONField", "", "application/json", `{"event":[]}`, 400, "event"},
			{"MalformedYAML", "", yamlType, "events: [", 400, "sheet"},
			{"CSVLine", "", "text/csv", "record,event,property,type,required\nevent,a,x,string,maybe\n", 400, "lines[2].required"},
			{"CSVSheet", "", "text/csv", "record,event,property,type\nevent,a,x,date\n", 422, "events[0].properties[0].type"},
			{"DryRunFlag", "?dry_run=perhaps", yamlType, string(sheet), 400, "dry_run"},
			{"ExportFormat", "?format=xml", "", "", 400, "format"},
		}
		for _, c := range cases {
			method := "PUT"
			if c.name == "ExportFormat" {
				method = "GET"
			}
			status, body := s.send(method, "/v1/taxonomy"+c.query, "", c.ctype, c.body)
			if fields := problemFields(body); status != c.status || len(fields) == 0 || fields[0] != c.field {
				t.Errorf("%s = %d %s, want %d naming %s", c.name, status, body, c.status, c.field)
			}
		}
		if status, _ := s.send("PUT", "/v1/taxonomy", "", "text/plain", "x"); status != http.StatusUnsupportedMediaType {
			t.Errorf("text/plain sheet = %d, want 415", status)
		}
		if status, _ := s.send("GET", "/v1/taxonomy", "Basic "+basicKey(s.write), "", ""); status != http.StatusForbidden && status != http.StatusUnauthorized {
			t.Errorf("a write key read the taxonomy: %d", status)
		}
	})

	t.Run("EventDefinitionsOneByOne", func(t *testing.T) {
		refund := `{"name":"refund","owner":"ops","properties":[{"name":"total","type":"number","required":true}]}`
		if status, body := s.send("POST", "/v1/taxonomy/events", "", "application/json", refund); status != 201 {
			t.Fatalf("create = %d %s", status, body)
		}
		if status, _ := s.send("POST", "/v1/taxonomy/events", "", "application/json", refund); status != 409 {
			t.Errorf("second create = %d, want 409", status)
		}
		status, body := s.send("GET", "/v1/taxonomy/events/refund", "", "", "")
		var got taxonomy.EventDef
		_ = json.Unmarshal(body, &got)
		if status != 200 || got.Owner != "ops" || got.Status != "active" || got.OnInvalid != "quarantine" || len(got.Properties) != 1 {
			t.Errorf("get = %d %s", status, body)
		}
		status, body = s.send("PUT", "/v1/taxonomy/events/refund", "", "application/json", `{"properties":[{"name":"total","type":"money"}]}`)
		if f := problemFields(body); status != 422 || len(f) != 1 || f[0] != "properties[0].type" {
			t.Errorf("bad put = %d %s", status, body)
		}
		if status, body = s.send("PUT", "/v1/taxonomy/events/refund", "", "application/json", `{"name":"refund2"}`); status != 400 || problemFields(body)[0] != "name" {
			t.Errorf("renaming put = %d %s", status, body)
		}
		if status, body = s.send("PUT", "/v1/taxonomy/events/refund", "", "application/json", `{"status":"blocked"}`); status != 200 {
			t.Errorf("put = %d %s", status, body)
		}
		if status, _ = s.send("DELETE", "/v1/taxonomy/events/refund", "", "", ""); status != 204 {
			t.Errorf("delete = %d", status)
		}
		if status, _ = s.send("GET", "/v1/taxonomy/events/refund", "", "", ""); status != 404 {
			t.Errorf("get after delete = %d", status)
		}
	})

	t.Run("UserPropertiesOneByOne", func(t *testing.T) {
		p := `{"name":"nickname","type":"string"}`
		if status, body := s.send("POST", "/v1/taxonomy/user-properties", "", "application/json", p); status != 201 {
			t.Fatalf("create = %d %s", status, body)
		}
		if status, _ := s.send("POST", "/v1/taxonomy/user-properties", "", "application/json", p); status != 409 {
			t.Errorf("second create = %d", status)
		}
		status, body := s.send("PUT", "/v1/taxonomy/user-properties/nickname", "", "application/json", `{"type":"string","required":true}`)
		if f := problemFields(body); status != 422 || len(f) != 1 || f[0] != "required" {
			t.Errorf("required user property = %d %s", status, body)
		}
		if status, body = s.send("PUT", "/v1/taxonomy/user-properties/nickname", "", "application/json", `{"type":"string","pii":true}`); status != 200 || !strings.Contains(string(body), `"pii":true`) {
			t.Errorf("put = %d %s", status, body)
		}
		if status, _ = s.send("DELETE", "/v1/taxonomy/user-properties/nickname", "", "", ""); status != 204 {
			t.Errorf("delete = %d", status)
		}
		if status, _ = s.send("DELETE", "/v1/taxonomy/user-properties/nickname", "", "", ""); status != 404 {
			t.Errorf("second delete = %d", status)
		}
	})

	t.Run("Policy", func(t *testing.T) {
		status, body := s.send("PUT", "/v1/taxonomy/policy", "", "application/json", `{"invalidTraits":"maybe"}`)
		if f := problemFields(body); status != 422 || len(f) != 1 || f[0] != "invalidTraits" {
			t.Errorf("bad policy = %d %s", status, body)
		}
		status, body = s.send("PUT", "/v1/taxonomy/policy", "", "application/json", `{"invalidTraits":"quarantine"}`)
		var policy struct{ UnknownEvents, InvalidTraits string }
		if status != 200 || json.Unmarshal(body, &policy) != nil || policy.UnknownEvents != "quarantine" || policy.InvalidTraits != "quarantine" {
			t.Errorf("put policy = %d %s", status, body)
		}
	})

	t.Run("Quarantine", func(t *testing.T) { quarantineAPI(t, s) })
	t.Run("WorkspacesNeverSeeEachOthersTaxonomy", func(t *testing.T) { taxonomyIsolation(t, s) })
}

func basicKey(key string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(key, "")
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// quarantineAPI needs the example sheet applied (purchase: total required number).
func quarantineAPI(t *testing.T, s *stack) {
	ctx := context.Background()
	bad := func(id string) store.Event {
		return store.Event{WorkspaceID: "default", MessageID: id, Type: "track", UserID: "aiko", Name: "purchase",
			Properties: json.RawMessage(`{"total":"4800","currency":"JPY","order_id":"o-1"}`), Timestamp: time.Now()}
	}
	v := []taxonomy.Violation{{Field: "properties.total", Rule: "type", Message: "must be a number, not a string"}}
	for _, id := range []string{"q1", "q2", "q3"} {
		if err := s.store.QuarantineEvent(ctx, bad(id), v); err != nil {
			t.Fatal(err)
		}
	}
	status, body := s.send("GET", "/v1/quarantine?limit=2", "", "", "")
	var page struct {
		Events []struct {
			MessageID  string               `json:"messageId"`
			Violations []taxonomy.Violation `json:"violations"`
			Event      map[string]any       `json:"event"`
		} `json:"events"`
		Next string `json:"next"`
	}
	_ = json.Unmarshal(body, &page)
	if status != 200 || len(page.Events) != 2 || page.Next == "" || page.Events[0].Event["event"] != "purchase" || len(page.Events[0].Violations) != 1 {
		t.Fatalf("list = %d %s", status, body)
	}
	if status, body = s.send("GET", "/v1/quarantine?limit=0", "", "", ""); status != 400 || problemFields(body)[0] != "limit" {
		t.Errorf("limit=0 = %d %s", status, body)
	}

	// Still invalid: replay refuses, naming the property; the event stays.
	status, body = s.send("POST", "/v1/quarantine/q1/replay", "", "", "")
	if f := problemFields(body); status != 422 || len(f) != 1 || f[0] != "properties.total" {
		t.Errorf("replay of an invalid event = %d %s", status, body)
	}
	// Fixed, then replayed: stored as an event, gone from the quarantine.
	_, body = s.send("GET", "/v1/quarantine/q1", "", "", "")
	var q struct{ Event map[string]any }
	_ = json.Unmarshal(body, &q)
	q.Event["properties"].(map[string]any)["total"] = 4800
	status, body = s.send("PUT", "/v1/quarantine/q1", "", "application/json", mustJSON(t, q.Event))
	if status != 200 || !strings.Contains(string(body), `"status":"fixed"`) || !strings.Contains(string(body), `"violations":[]`) {
		t.Errorf("fix = %d %s", status, body)
	}
	if status, body = s.send("PUT", "/v1/quarantine/q1", "", "application/json", `{"messageId":"other"}`); status != 400 || problemFields(body)[0] != "messageId" {
		t.Errorf("fix changing the id = %d %s", status, body)
	}
	if status, body = s.send("PUT", "/v1/quarantine/q1", "", "application/json", `{"event":"purchase","properties":{"total":1}}`); status != 400 || problemFields(body)[0] != "userId" {
		t.Errorf("a fix that is not a valid Segment call = %d %s, want 400 naming userId", status, body)
	}
	if status, body = s.send("POST", "/v1/quarantine/q1/replay", "", "", ""); status != 200 {
		t.Errorf("replay of the fixed event = %d %s", status, body)
	}
	if e, err := s.store.GetEvent(ctx, "default", "q1"); err != nil || e.Name != "purchase" || string(e.Properties) == "" {
		t.Errorf("replayed event stored = %+v, %v", e, err)
	}
	if status, _ = s.send("GET", "/v1/quarantine/q1", "", "", ""); status != 404 {
		t.Errorf("replayed event still quarantined: %d", status)
	}
	// Dropped: gone, and counted.
	if status, _ = s.send("DELETE", "/v1/quarantine/q2", "", "", ""); status != 204 {
		t.Errorf("drop = %d", status)
	}
	if _, err := s.store.GetQuarantined(ctx, "default", "q2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("dropped event still there: %v", err)
	}
	// Blocked since it was quarantined: the replay drops it, counted as blocked.
	if status, body := s.send("PUT", "/v1/taxonomy/events/legacy_ping", "", "application/json", `{"status":"blocked"}`); status != 201 {
		t.Fatalf("block legacy_ping = %d %s", status, body)
	}
	legacy := bad("q4")
	legacy.Name = "legacy_ping"
	if err := s.store.QuarantineEvent(ctx, legacy, v); err != nil {
		t.Fatal(err)
	}
	if status, body = s.send("POST", "/v1/quarantine/q4/replay", "", "", ""); status != 200 || !strings.Contains(string(body), `"action":"drop"`) {
		t.Errorf("replay of a blocked event = %d %s", status, body)
	}
	if _, err := s.store.GetQuarantined(ctx, "default", "q4"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a dropped replay is still quarantined: %v", err)
	}
	if _, err := s.store.GetEvent(ctx, "default", "q4"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a dropped replay was stored: %v", err)
	}
	_, body = s.send("GET", "/v1/taxonomy/dropped", "", "", "")
	for _, want := range []string{`"event":"purchase","reason":"quarantine_dropped","count":1`, `"event":"legacy_ping","reason":"blocked","count":1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("dropped counts = %s, want %s", body, want)
		}
	}
	s.send("DELETE", "/v1/taxonomy/events/legacy_ping", "", "", "")
}

// taxonomyIsolation checks every taxonomy and quarantine endpoint with
// another workspace's admin key: nothing of ours is seen or changed.
func taxonomyIsolation(t *testing.T, s *stack) {
	ctx := context.Background()
	if err := s.store.EnsureWorkspace(ctx, "other_tx", "Other"); err != nil {
		t.Fatal(err)
	}
	key, _, err := s.store.CreateKey(ctx, "other_tx", store.RoleAdmin, "other admin")
	if err != nil {
		t.Fatal(err)
	}
	other := "Bearer " + key
	_, before := s.send("GET", "/v1/taxonomy", "", "", "")
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/v1/taxonomy/events/purchase", "", 404},
		{"DELETE", "/v1/taxonomy/events/purchase", "", 404},
		{"GET", "/v1/taxonomy/user-properties/email", "", 404},
		{"DELETE", "/v1/taxonomy/user-properties/email", "", 404},
		{"GET", "/v1/quarantine/q3", "", 404},
		{"PUT", "/v1/quarantine/q3", `{"userId":"x","event":"x"}`, 404},
		{"POST", "/v1/quarantine/q3/replay", "", 404},
		{"DELETE", "/v1/quarantine/q3", "", 404},
		{"POST", "/v1/taxonomy/events", `{"name":"purchase"}`, 201},
		{"POST", "/v1/taxonomy/user-properties", `{"name":"email","type":"string"}`, 201},
		{"PUT", "/v1/taxonomy/events/purchase", `{"status":"blocked"}`, 200},
		{"PUT", "/v1/taxonomy/user-properties/email", `{"type":"integer"}`, 200},
		{"PUT", "/v1/taxonomy/policy", `{"unknownEvents":"reject"}`, 200},
		{"PUT", "/v1/taxonomy", `{"events":[]}`, 200},
	} {
		if status, body := s.send(c.method, c.path, other, "application/json", c.body); status != c.status {
			t.Errorf("other workspace %s %s = %d %s, want %d", c.method, c.path, status, body, c.status)
		}
	}
	for _, path := range []string{"/v1/taxonomy", "/v1/taxonomy?format=yaml", "/v1/taxonomy?format=csv", "/v1/taxonomy/events",
		"/v1/taxonomy/user-properties", "/v1/quarantine", "/v1/taxonomy/dropped"} {
		_, body := s.send("GET", path, other, "", "")
		if strings.Contains(string(body), "purchase") || strings.Contains(string(body), "q3") || strings.Contains(string(body), `"email"`) {
			t.Errorf("other workspace GET %s sees ours: %s", path, body)
		}
	}
	if _, after := s.send("GET", "/v1/taxonomy", "", "", ""); string(after) != string(before) {
		t.Errorf("another workspace changed our sheet:\n%s\n%s", before, after)
	}
	if _, err := s.store.GetQuarantined(ctx, "default", "q3"); err != nil {
		t.Errorf("another workspace dropped our quarantined event: %v", err)
	}
}
