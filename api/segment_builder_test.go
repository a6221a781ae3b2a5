package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestSegmentBuilderAPI: an unsaved definition previews with the count a
// save and GET …/count give, and its mistakes are refused with the field
// errors a save gives, naming each field; hostile bodies get a 4xx.
func TestSegmentBuilderAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	for _, u := range []string{"u2", "u3", "u4"} {
		_, err := b.store.ChangeProfile(ctx, "w", u, store.ProfileChange{Set: map[string]any{"plan": "gold", "email": u + "@example.jp"}}, time.Now())
		mustNotErr(t, err)
	}
	jsonKey := map[string]string{"Content-Type": "application/json", "Authorization": admin["Authorization"]}
	def := `{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}`

	t.Run("PreviewCountsAsTheSavedSegmentDoes", func(t *testing.T) {
		status, body := b.do(t, "POST", "/v1/segments/preview", jsonKey, `{"definition":`+def+`,"sample":2}`)
		if status != http.StatusOK || !strings.Contains(body, `"count":3`) || !strings.Contains(body, `"sample":["u2","u3"]`) || !strings.Contains(body, `"email":3`) {
			t.Fatalf("preview = %d %s", status, body)
		}
		if status, body := b.do(t, "POST", "/v1/segments", jsonKey, `{"id":"gold","name":"Gold","definition":`+def+`}`); status != http.StatusCreated {
			t.Fatalf("create = %d %s", status, body)
		}
		if status, body := b.do(t, "GET", "/v1/segments/gold/count", admin, ""); status != http.StatusOK || !strings.Contains(body, `"count":3`) {
			t.Errorf("count = %d %s", status, body)
		}
		if status, body := b.do(t, "GET", "/v1/segments/gold/reach", admin, ""); status != http.StatusOK || !strings.Contains(body, `"count":3`) || !strings.Contains(body, `"line":0`) {
			t.Errorf("reach = %d %s", status, body)
		}
		if status, body := b.do(t, "GET", "/v1/segments/gold/uses", admin, ""); status != http.StatusOK || !strings.Contains(body, `"uses":[]`) {
			t.Errorf("uses = %d %s", status, body)
		}
		b.do(t, "POST", "/v1/segments", jsonKey, `{"id":"gold_vip","name":"Gold VIP","definition":{"condition":{"and":[{"segment":"gold"},{"tag":"vip"}]}}}`)
		if status, body := b.do(t, "GET", "/v1/segments/gold/uses", admin, ""); status != http.StatusOK || !strings.Contains(body, `{"kind":"segment","id":"gold_vip","name":"Gold VIP"}`) {
			t.Errorf("uses = %d %s", status, body)
		}
		// Editing gold to reference what references it is refused as a save is.
		status, body = b.do(t, "POST", "/v1/segments/preview", jsonKey, `{"id":"gold","definition":{"condition":{"segment":"gold_vip"}}}`)
		if status != http.StatusUnprocessableEntity || !slices.Contains(problemFieldsOf(t, body), "definition.condition.segment") {
			t.Errorf("a loop = %d %s", status, body)
		}
	})
	t.Run("RefusesMistakesNamingTheField", func(t *testing.T) {
		for _, c := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"definition":{"condition":{"and":[{"tag":"x"},{"trait":{"name":"plan","op":"sideways","value":1}}]}}}`, 422, "definition.condition.and[1].trait.op"},
			{`{"definition":{"condition":{"event":{"name":"buy","count":{"op":"gte"}}}}}`, 422, "definition.condition.event.count.value"},
			{`{"definition":{"condition":{"tag":5}}}`, 422, "definition.condition.tag"},
			{`{"definition":` + def + `,"sample":101}`, 400, "sample"},
			{`{"definition":` + def + `,"extra":1}`, 400, "extra"},
			{`{}`, 400, "definition"},
			{`{"definition":{"condition":` + strings.Repeat(`{"not":`, 20) + `{"tag":"x"}` + strings.Repeat(`}`, 20) + `}}`, 422, "definition.condition" + strings.Repeat(".not", 17)},
		} {
			status, body := b.do(t, "POST", "/v1/segments/preview", jsonKey, c.body)
			if status != c.status || (c.field != "" && !slices.Contains(problemFieldsOf(t, body), c.field)) {
				t.Errorf("preview %s = %d %s, want %d naming %q", c.body, status, body, c.status, c.field)
			}
		}
		// With check, a refused definition is a verdict (the builder's live
		// count makes no failing request); a malformed request stays a 4xx.
		status, body := b.do(t, "POST", "/v1/segments/preview", jsonKey, `{"check":true,"definition":{"condition":{"tag":5}}}`)
		if status != http.StatusOK || !strings.Contains(body, `"valid":false`) || !strings.Contains(body, `"field":"definition.condition.tag"`) {
			t.Errorf("a checked refusal = %d %s, want 200 valid false naming definition.condition.tag", status, body)
		}
		status, body = b.do(t, "POST", "/v1/segments/preview", jsonKey, `{"check":true,"definition":`+def+`}`)
		if status != http.StatusOK || !strings.Contains(body, `"valid":true`) || !strings.Contains(body, `"count":`) {
			t.Errorf("a checked count = %d %s, want 200 valid with the count", status, body)
		}
		if status, _ := b.do(t, "POST", "/v1/segments/preview", jsonKey, `{"check":true,"definition":`+def+`,"sample":101}`); status != http.StatusBadRequest {
			t.Errorf("a checked request out of range = %d, want 400", status)
		}
		status, _ = b.do(t, "POST", "/v1/segments/preview", jsonKey, `{"definition":{"condition":{"tag":"`+strings.Repeat("x", 2<<20)+`"}}}`)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 2 MB body = %d, want 413", status)
		}
		if status, _ := b.do(t, "GET", "/v1/segments/nope/reach", admin, ""); status != http.StatusNotFound {
			t.Errorf("reach of a missing segment = %d", status)
		}
		if status, _ := b.do(t, "GET", "/v1/segments/nope/uses", admin, ""); status != http.StatusNotFound {
			t.Errorf("uses of a missing segment = %d", status)
		}
	})
}
