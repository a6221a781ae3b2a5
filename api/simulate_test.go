package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPreviewIsGivenTheEntryEventsProperties: a journey whose entry
// filter reads the entry event's properties previews the customer as not
// entering without them and as entering with them; a property the
// taxonomy types otherwise is a 422 at entry.properties.<name>. The
// journey page's preview form asks for each, typed by the taxonomy or else
// by the filter.
func TestAPreviewIsGivenTheEntryEventsProperties(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: b.signals, PasswordParams: cheapHashes})
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	sheet := `{"events":[{"name":"purchase","properties":[{"name":"total","type":"integer","description":"yen"},{"name":"category","type":"string","enum":["tea","coffee"]}]}]}`
	if code, body := b.do(t, "PUT", "/v1/taxonomy", admin, sheet); code != http.StatusOK {
		t.Fatalf("put taxonomy = %d %s", code, body)
	}
	journey := `{"id":"big_tea","name":"Big tea","definition":{"entry":{"event":"purchase",
		"filter":"double(event.properties.total) >= 5000.0 && event.properties.category == 'tea' && event.properties.gift == true"},
		"nodes":[{"id":"done","kind":"exit"}]}}`
	if code, body := b.do(t, "POST", "/v1/journeys", admin, journey); code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	preview := func(body string) (int, string) { return b.do(t, "POST", "/v1/journeys/big_tea/simulate", admin, body) }

	if code, body := preview(`{"userId":"u1"}`); code != http.StatusOK || !strings.Contains(body, `"entered":false`) || !strings.Contains(body, "entry filter") {
		t.Errorf("without properties = %d %s, want not entered, with the reason", code, body)
	}
	if code, body := preview(`{"userId":"u1","entry":{"properties":{"total":6000,"category":"tea","gift":true}}}`); code != http.StatusOK || !strings.Contains(body, `"entered":true`) {
		t.Errorf("with passing properties = %d %s, want entered", code, body)
	}
	for req, field := range map[string]string{
		`{"userId":"u1","entry":{"properties":{"total":"6000","category":"tea"}}}`: "entry.properties.total",
		`{"userId":"u1","entry":{"properties":{"total":6000,"category":"beer"}}}`:  "entry.properties.category",
	} {
		if code, body := preview(req); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"`+field+`"`) {
			t.Errorf("%s = %d %s, want 422 at %s", req, code, body, field)
		}
	}

	b.person(t, "w", "mika@example.jp", "marketer")
	rec := b.uiRequest(t, "GET", "/ui/journeys/big_tea", sessionFrom(t, b.login(t, "mika@example.jp", testPassword, "/ui/")).Value, nil)
	page := rec.Body.String()
	for _, want := range []string{`<legend>The entry event purchase</legend>`,
		`type="number" step="1" inputmode="numeric" data-prop="total" data-type="integer"`,
		`type="text" data-prop="category" data-type="string"`, `type="checkbox" data-prop="gift" data-type="boolean"`,
		`<label for="preview-prop-0">total <span class="hint">（whole number） yen</span></label>`} {
		if rec.Code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("the journey page (%d) lacks %s", rec.Code, want)
		}
	}
}
