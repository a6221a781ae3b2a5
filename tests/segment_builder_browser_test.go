package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// segmentTaxonomy types the builder's fields: an enum trait, an event
// with a number and an enum property.
var segmentTaxonomy = map[string]any{
	"events": []any{map[string]any{"name": "purchase", "properties": []any{
		map[string]any{"name": "total", "type": "number"},
		map[string]any{"name": "channel", "type": "string", "enum": []string{"web", "store"}}}}},
	"userProperties": []any{map[string]any{"name": "plan", "type": "string", "enum": []string{"gold", "silver", "bronze"}}},
}

// seedSegmentCustomers sends n customers with varied plans and purchases
// (totals and channels) through /v1/batch.
func seedSegmentCustomers(s *stack, n int) {
	s.t.Helper()
	var batch []map[string]any
	for i := range n {
		user := fmt.Sprintf("sb_%02d", i)
		traits := map[string]any{"plan": []string{"gold", "silver", "bronze"}[i%3]}
		if i%5 != 0 {
			traits["email"] = user + "@example.com"
		}
		batch = append(batch, map[string]any{"type": "identify", "userId": user, "messageId": "id-" + user, "traits": traits})
		for j := range i % 4 {
			batch = append(batch, map[string]any{"type": "track", "userId": user, "event": "purchase", "messageId": fmt.Sprintf("p-%s-%d", user, j),
				"properties": map[string]any{"total": 1000 * (1 + (i*j)%5), "channel": []string{"web", "store"}[(i+j)%2]}})
		}
	}
	s.call("POST", "/v1/batch", "write", map[string]any{"batch": batch}, http.StatusOK, nil)
}

// seedConsoleSegment stores the segment the console's page tests open.
func seedConsoleSegment(s *stack) {
	s.t.Helper()
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "buyers", "name": "Buyers", "definition": map[string]any{"condition": map[string]any{
		"and": []any{map[string]any{"event": map[string]any{"name": "purchase", "window": map[string]any{"last_days": 30}}},
			map[string]any{"not": map[string]any{"tag": "staff"}}}}}}, http.StatusCreated, nil)
}

// lastRow is the selector of the last condition of the root group.
const lastRow = `#builder > .seg-group > ol.seg-items > li:last-child > .seg-cond`

// addCondition adds a condition of kind to the root group, as a person
// does: the kind chosen, then Add.
func (b *browser) addCondition(t *testing.T, kind string) {
	t.Helper()
	b.settled(t)
	b.setField(t, `#builder > .seg-group > .seg-add select`, kind)
	b.run(t, chromedp.Click(`#builder > .seg-group > .seg-add button`, chromedp.ByQuery))
	b.waitFor(t, lastRow+".kind-"+kind)
}

// waitFor waits up to 30 s for sel to be visible; past that it fails
// showing the builder as drawn and the page's errors.
func (b *browser) waitFor(t *testing.T, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		var html string
		_ = chromedp.Run(b.ctx, chromedp.Evaluate(`(document.querySelector("#segment-form") || document.body).outerHTML`, &html))
		b.mu.Lock()
		defer b.mu.Unlock()
		t.Fatalf("waiting for %s: %v\nerrors: %v\nthe page: %s", sel, err, b.errors, html)
	}
}

// settled waits for the live count to have answered the last edit: until
// then an error drawn under a condition may move what a click aims at.
func (b *browser) settled(t *testing.T) {
	t.Helper()
	b.waitFor(t, `#live-count[data-state="done"], #live-count[data-state="refused"], #live-count[data-state="empty"]`)
}

// liveCount waits for the builder's live count to answer and returns it.
func (b *browser) liveCount(t *testing.T) int64 {
	t.Helper()
	b.waitFor(t, `#live-count[data-state="done"]`)
	var raw string
	b.run(t, chromedp.AttributeValue("#live-count", "data-count", &raw, nil, chromedp.ByQuery))
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		t.Fatalf("the live count reads %q", raw)
	}
	return n
}

// TestSegmentBuilderInChromium: an owner builds a segment in the builder
// in headless Chromium on the real stack (an enum trait, an event with a
// property filter and a sum), sees a mistake drawn at the condition it
// names, saves it, and finds the live count the same as
// GET /v1/segments/{id}/count, neither none nor everyone of the seeded
// customers; an analyst then sees the segment read-only.
func TestSegmentBuilderInChromium(t *testing.T) {
	s := startStack(t)
	s.call("PUT", "/v1/taxonomy", "admin", segmentTaxonomy, http.StatusOK, nil)
	seedSegmentCustomers(s, 40)

	b := newBrowser(t)
	b.login(t, s, "/ui/segments/new", s.ownerEmail("default"), `#builder[data-ready="1"]`)
	b.addCondition(t, "trait")
	b.setField(t, lastRow+` input[list="seg-traits"]`, "plan")
	b.setField(t, lastRow+` > .seg-row select[id$="-value"]`, "gold") // the enum's values, offered from the taxonomy
	b.addCondition(t, "event")
	b.setField(t, lastRow+` input[list="seg-events"]`, "purchase")
	b.settled(t)
	b.run(t, chromedp.Click(lastRow+` .seg-add button`, chromedp.ByQuery))
	b.waitFor(t, lastRow+` .seg-filters li`)
	b.setField(t, lastRow+` .seg-filters input`, "channel")
	b.setField(t, lastRow+` .seg-filters select[id$="-value"]`, "web")
	b.setField(t, lastRow+` select[id$="-measure-type"]`, "sum")
	b.setField(t, lastRow+` input[id$="-measure-property"]`, "total")
	b.setField(t, lastRow+` select[id$="-measure-op"]`, "gte")
	b.setField(t, lastRow+` input[id$="-measure-value"]`, "3000")
	drawn := b.liveCount(t)

	t.Run("AMistakeIsDrawnAtItsCondition", func(t *testing.T) {
		b.addCondition(t, "event") // no name yet
		b.run(t, chromedp.WaitVisible(lastRow+` .seg-error:not([hidden])`, chromedp.ByQuery))
		if msg := b.text(t, lastRow+` .seg-error`); msg == "" {
			t.Error("the unnamed event shows no error")
		}
		b.settled(t)
		b.run(t, chromedp.Click(lastRow+` .seg-row > button.danger`, chromedp.ByQuery))
		if got := b.liveCount(t); got != drawn {
			t.Errorf("after removing the mistake the count is %d, was %d", got, drawn)
		}
	})

	b.setField(t, "#segment-name", "Gold web spenders")
	b.settled(t)
	b.run(t, chromedp.Click("#segment-save", chromedp.ByID))
	b.waitFor(t, `#export-csv`)
	b.waitFor(t, `#builder[data-ready="1"]`)
	var api struct{ Count int64 }
	s.call("GET", "/v1/segments/gold_web_spenders/count", "admin", nil, http.StatusOK, &api)
	saved := b.liveCount(t)
	if api.Count != drawn || saved != drawn || drawn == 0 || drawn >= 40 {
		t.Errorf("the builder counted %d while drawing and %d once saved, GET …/count = %d (of 40 customers)", drawn, saved, api.Count)
	}
	var seg struct{ Definition json.RawMessage }
	s.call("GET", "/v1/segments/gold_web_spenders", "admin", nil, http.StatusOK, &seg)
	want := `{"condition":{"and":[{"trait":{"name":"plan","op":"eq","value":"gold"}},{"event":{"name":"purchase","where":[{"property":"channel","op":"eq","value":"web"}],"sum":{"property":"total","op":"gte","value":3000}}}]}}`
	if !sameJSON(t, seg.Definition, []byte(want)) {
		t.Errorf("saved %s, want %s", seg.Definition, want)
	}
	if n := len(b.strings(t, `[...document.querySelectorAll('#sample a[href^="/ui/customers/sb_"]')].map(a => a.href)`)); int64(n) != min(drawn, 10) {
		t.Errorf("the sample links %d customers, want %d", n, min(drawn, 10))
	}

	t.Run("TheListCountsItLive", func(t *testing.T) {
		sel := `.segment-count[data-segment="gold_web_spenders"][data-count]`
		b.run(t, chromedp.Navigate(s.url+"/ui/segments"), chromedp.WaitVisible(sel, chromedp.ByQuery))
		if got := b.text(t, sel); got != strconv.FormatInt(api.Count, 10) {
			t.Errorf("the list shows %q members, the API %d", got, api.Count)
		}
	})
	t.Run("AnAnalystSeesItReadOnly", func(t *testing.T) {
		const analyst = "seg-analyst@example.com"
		s.person("default", analyst, "analyst")
		a := newBrowser(t)
		a.login(t, s, "/ui/segments/gold_web_spenders", analyst, `#builder[data-ready="1"]`)
		if got := a.liveCount(t); got != api.Count {
			t.Errorf("the analyst's live count is %d, the API's %d", got, api.Count)
		}
		if enabled := a.strings(t, changeControls); len(enabled) > 0 {
			t.Errorf("the analyst can change: %v", enabled)
		}
		a.noConsoleErrors(t)
	})
	b.noConsoleErrors(t) // a refused draft is a verdict (check), not a failing request
}
