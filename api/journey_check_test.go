package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestCheckExpression checks one CEL condition as saving a journey does:
// a good one is valid with the taxonomy's warnings for traits and
// properties it does not define, a bad one is not, with the message
// journey validation gives, and every bad request is a 4xx naming its field.
func TestCheckExpression(t *testing.T) {
	b := setupWebhooks(t)
	key, _, err := b.store.CreateKey(context.Background(), "w", store.RoleAdmin, "check test")
	if err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
	sheet := `{"events":[{"name":"purchase","properties":[{"name":"total","type":"number"}]}],"userProperties":[{"name":"plan","type":"string"}]}`
	if code, body := b.do(t, "PUT", "/v1/taxonomy", admin, sheet); code != http.StatusOK {
		t.Fatalf("put taxonomy = %d %s", code, body)
	}
	check := func(body string) (int, string) { return b.do(t, "POST", "/v1/journeys/check-expression", admin, body) }

	t.Run("AcceptsAGoodConditionWithTheTaxonomysWarnings", func(t *testing.T) {
		code, body := check(`{"expression":"event.properties.total > 100 && event.properties[\"coupon\"] == 'x' && profile.traits.plan == 'gold' && profile.traits.tier == 1","context":"wait_for_match","event":"purchase"}`)
		var got checkExpressionResponse
		if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || !got.Valid {
			t.Fatalf("= %d %s", code, body)
		}
		var msgs []string
		for _, w := range got.Warnings {
			msgs = append(msgs, w.Field+": "+w.Message)
		}
		want := []string{"expression: event.properties.coupon is not defined by event purchase in the taxonomy",
			"expression: profile.traits.tier is not defined by the taxonomy's user properties"}
		if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
			t.Errorf("warnings %q, want %q", msgs, want)
		}
		code, body = check(`{"expression":"entry.properties.total > 1","context":"branch_condition","entryEvent":"purchase"}`)
		if code != http.StatusOK || !strings.Contains(body, `"warnings":[]`) {
			t.Errorf("a defined entry property = %d %s", code, body)
		}
	})

	t.Run("RefusesWhatSavingRefusesWithTheSameMessage", func(t *testing.T) {
		for _, expr := range []string{`event.name ==`, `profile.nope == 1`, `1 + 1`, strings.Repeat("a", 5000)} {
			raw, _ := json.Marshal(map[string]string{"expression": expr, "context": "entry_filter"})
			code, body := check(string(raw))
			var p checkExpressionResponse
			_ = json.Unmarshal([]byte(body), &p)
			if code != http.StatusOK || p.Valid || len(p.Errors) != 1 || p.Errors[0].Field != "expression" {
				t.Errorf("%.40q = %d %s", expr, code, body)
				continue
			}
			def, _ := json.Marshal(map[string]any{"id": "c", "name": "c", "definition": map[string]any{
				"entry": map[string]any{"event": "purchase", "filter": expr}, "nodes": []any{map[string]any{"id": "done", "kind": "exit"}}}})
			_, saved := b.do(t, "POST", "/v1/journeys", admin, string(def))
			var sp Problem
			_ = json.Unmarshal([]byte(saved), &sp)
			if len(sp.Errors) == 0 || sp.Errors[0].Field != "definition.entry.filter" || sp.Errors[0].Message != p.Errors[0].Message {
				t.Errorf("%.40q: the check says %q, saving says %s", expr, p.Errors[0].Message, saved)
			}
		}
	})

	t.Run("AnswersBadRequestsNamingTheField", func(t *testing.T) {
		for _, c := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"context":"entry_filter"}`, http.StatusBadRequest, "expression"},
			{`{"expression":"  ","context":"entry_filter"}`, http.StatusBadRequest, "expression"},
			{`{"expression":"true","context":"everywhere"}`, http.StatusBadRequest, "context"},
			{`{"expression":"true"}`, http.StatusBadRequest, "context"},
			{`{"expression":true,"context":"entry_filter"}`, http.StatusBadRequest, "expression"},
			{`{"expression":"true","context":"entry_filter","event":"` + strings.Repeat("e", 201) + `"}`, http.StatusBadRequest, "event"},
			{`{"expression":"true","context":"entry_filter","entryEvent":"` + strings.Repeat("e", 201) + `"}`, http.StatusBadRequest, "entryEvent"},
			{`{"expression":"true","context":"entry_filter","extra":1}`, http.StatusBadRequest, "extra"},
			{`{"expression":"` + strings.Repeat("a", 17<<10) + `","context":"entry_filter"}`, http.StatusRequestEntityTooLarge, ""},
			{`[1]`, http.StatusBadRequest, ""},
		} {
			code, body := check(c.body)
			if code != c.status || c.field != "" && !strings.Contains(body, `"field":"`+c.field) {
				t.Errorf("%.60s = %d %.300s, want %d naming %q", c.body, code, body, c.status, c.field)
			}
		}
	})
}

// TestConvertJourney writes a definition as YAML and reads it back as the
// same value, and answers bad requests naming the field.
func TestConvertJourney(t *testing.T) {
	b := setupWebhooks(t)
	key, _, err := b.store.CreateKey(context.Background(), "w", store.RoleAdmin, "convert test")
	if err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
	def := `{"entry":{"event":"signup","filter":"event.properties.plan == 'yes'"},"nodes":[{"id":"hello","kind":"send","channel":"email","template":{"subject":"true","body":"Hi {{ customer.id }}\nbye"},"next":"done"},{"id":"done","kind":"exit"}]}`
	code, body := b.do(t, "POST", "/v1/journeys/convert", admin, `{"definition":`+def+`}`)
	var out convertJourneyResponse
	if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil || !strings.Contains(out.YAML, "- id: hello") {
		t.Fatalf("to YAML = %d %s", code, body)
	}
	raw, _ := json.Marshal(map[string]string{"yaml": out.YAML})
	code, body = b.do(t, "POST", "/v1/journeys/convert", admin, string(raw))
	var back convertJourneyResponse
	if err := json.Unmarshal([]byte(body), &back); code != http.StatusOK || err != nil {
		t.Fatalf("from YAML = %d %s", code, body)
	}
	code, body = b.do(t, "POST", "/v1/journeys/convert", admin, `{"check":true,`+string(raw)[1:])
	if code != http.StatusOK || !strings.Contains(body, `"valid":true`) || !strings.Contains(body, `"definition":{`) {
		t.Errorf("checked YAML that reads = %d %.300s, want 200 valid with the definition", code, body)
	}
	code, body = b.do(t, "POST", "/v1/journeys/convert", admin, `{"yaml":"a: [1","check":true}`)
	if code != http.StatusOK || !strings.Contains(body, `"valid":false`) || strings.Contains(body, `"definition"`) {
		t.Errorf("checked YAML that does not read = %d %.300s, want 200 not valid", code, body)
	}
	var want, got any
	_ = json.Unmarshal([]byte(def), &want)
	_ = json.Unmarshal(back.Definition, &got)
	if !jsonEqual(want, got) {
		t.Errorf("the YAML\n%s\nreads back as %s", out.YAML, back.Definition)
	}
	for _, c := range []struct {
		body   string
		status int
		field  string
	}{
		{`{}`, http.StatusBadRequest, "definition"},
		{`{"definition":{},"yaml":"a: 1"}`, http.StatusBadRequest, "definition"},
		{`{"definition":[1]}`, http.StatusBadRequest, "definition"},
		{`{"yaml":"- a\n- b"}`, http.StatusUnprocessableEntity, "yaml"},
		{`{"yaml":"a: [1"}`, http.StatusUnprocessableEntity, "yaml"},
		{`{"yaml":"{\"a\": "}`, http.StatusUnprocessableEntity, "yaml"},
		{`{"yaml":"a: &a [*a]"}`, http.StatusUnprocessableEntity, "yaml"},
		{`{"yaml":` + strings.Repeat(" ", 1<<20) + `""}`, http.StatusRequestEntityTooLarge, ""},
		{`{"yaml":"a: [1","check":true}`, http.StatusOK, "yaml"},
		{`{"yaml":"- a","check":true}`, http.StatusOK, "yaml"},
		{`{"definition":[1],"check":true}`, http.StatusBadRequest, "definition"},
		{`{"yaml":"a: 1","check":"yes"}`, http.StatusBadRequest, "check"},
	} {
		code, body := b.do(t, "POST", "/v1/journeys/convert", admin, c.body)
		if code != c.status || c.field != "" && !strings.Contains(body, `"field":"`+c.field) {
			t.Errorf("%.60s = %d %.300s, want %d naming %q", c.body, code, body, c.status, c.field)
		}
	}
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
