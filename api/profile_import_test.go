package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProfileImportAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	if status, body := b.do(t, "PUT", "/v1/taxonomy/user-properties/age", admin, `{"type":"integer"}`); status != 201 {
		t.Fatalf("age = %d %s", status, body)
	}
	for name, c := range map[string]struct{ body, field string }{
		"NoRows":       {`{"rows":[]}`, `"field":"rows"`},
		"UnknownField": {`{"rows":[{"line":1,"id":"a"}],"asof":"x"}`, `"field":"asof"`},
		"BadTime":      {`{"rows":[{"line":1,"id":"a"}],"as_of":"yesterday"}`, `"field":"as_of"`},
		"TooMany":      {`{"rows":[` + strings.Repeat(`{"line":1,"id":"a"},`, 1000) + `{"line":1,"id":"a"}]}`, `"field":"rows"`},
	} {
		t.Run(name, func(t *testing.T) {
			if status, body := b.do(t, "POST", "/v1/profiles/import", admin, c.body); status != 400 || !strings.Contains(body, c.field) {
				t.Errorf("= %d %s, want 400 naming %s", status, body, c.field)
			}
		})
	}
	t.Run("TextIsTypedByTheTaxonomyAndRepeatsChangeNothing", func(t *testing.T) {
		body := `{"as_of":"2026-11-01T00:00:00Z","text":true,"rows":[
			{"line":2,"id":"a","traits":{"age":"41","plan":"pro","note":""}},
			{"line":3,"id":"b","traits":{"age":"forty"}},
			{"line":4,"id":" ","traits":{}},
			{"line":5,"id":"c","traits":{"age":"NaN"}}]}`
		var res importResult
		for attempt, wantChanged := range []int{1, 0} {
			status, out := b.do(t, "POST", "/v1/profiles/import", admin, body)
			if err := json.Unmarshal([]byte(out), &res); status != 200 || err != nil {
				t.Fatalf("import = %d %s", status, out)
			}
			if res.Imported != 1 || res.Changed != wantChanged || len(res.Rejected) != 3 ||
				res.Rejected[0].Line != 3 || res.Rejected[0].Field != "traits.age" || res.Rejected[1].Field != "id" || res.Rejected[2].Line != 5 {
				t.Errorf("attempt %d: %+v", attempt, res)
			}
		}
		p, err := b.store.GetProfile(t.Context(), "w", "a")
		if err != nil || p.Traits["age"] != 41.0 || p.Traits["plan"] != "pro" || p.Traits["note"] != nil {
			t.Errorf("a = %v, %v", p.Traits, err)
		}
	})
}

func TestProfileExportAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	body := `{"as_of":"2026-11-01T00:00:00Z","rows":[{"line":1,"id":"b","traits":{"age":7,"tags":["x"]}},{"line":2,"id":"a","traits":{"name":"A, Jr."}}]}`
	admin["Content-Type"] = "application/json"
	if status, out := b.do(t, "POST", "/v1/profiles/import", admin, body); status != 200 {
		t.Fatalf("import = %d %s", status, out)
	}
	for path, want := range map[string]string{
		"/v1/profiles/export?format=xml":                  `"field":"format"`,
		"/v1/profiles/export?format=csv&fields=id,age":    `"field":"fields"`,
		"/v1/profiles/export?segment=nope":                `"field":"segment"`,
		"/v1/profiles/export?format=csv&fields=name,tags": "id,name,tags\na,\"A, Jr.\",\nb,,\"[\"\"x\"\"]\"\nu1,,\n",
	} {
		status, out := b.do(t, "GET", path, admin, "")
		if !strings.Contains(out, want) || (strings.Contains(want, "field") && status/100 != 4) {
			t.Errorf("GET %s = %d %s, want %s", path, status, out, want)
		}
	}
	status, out := b.do(t, "GET", "/v1/profiles/export", admin, "")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if status != 200 || len(lines) != 3 || !strings.HasPrefix(lines[0], `{"id":"a","traits":{"name":"A, Jr."}`) {
		t.Errorf("JSONL export = %d %s", status, out)
	}
}
