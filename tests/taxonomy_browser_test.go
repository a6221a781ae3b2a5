package tests

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTaxonomyTableInChromium: a developer edits the workspace's taxonomy
// as a table in headless Chromium on the real stack: a cell the API
// refuses is marked where it is, then an added event with a property and
// an added customer property are reviewed as a diff (nothing stored yet)
// and applied, and GET /v1/taxonomy has them.
func TestTaxonomyTableInChromium(t *testing.T) {
	s := startStack(t)
	s.call("PUT", "/v1/taxonomy", "admin", map[string]any{
		"events": []any{map[string]any{"name": "signup", "description": "signed up"}}, "userProperties": []any{}},
		http.StatusOK, nil)
	const developer = "dev@example.com"
	s.person("default", developer, "developer")
	b := newBrowser(t)
	b.login(t, s, "/ui/data/taxonomy", developer, `#taxonomy[data-ready="1"]`)
	if got := b.strings(t, `[...document.querySelectorAll('#taxonomy-events-table .tx-event-row [data-key=name]')].map(e => e.value)`); !slices.Equal(got, []string{"signup"}) {
		t.Fatalf("the table's events are %v, want the stored signup", got)
	}

	// A new event whose property has no name: the error is drawn at that cell.
	b.run(t, chromedp.Click("#taxonomy-add-event", chromedp.ByID),
		chromedp.SendKeys(`#taxonomy-events-table tbody.tx-event:last-of-type .tx-event-row [data-key=name]`, "order_completed", chromedp.ByQuery),
		chromedp.Click(`#taxonomy-events-table tbody.tx-event:last-of-type .tx-add-prop`, chromedp.ByQuery),
		chromedp.Click("#taxonomy-review", chromedp.ByID),
		chromedp.WaitVisible(`.tx-field-error[data-for="events[1].properties[0].name"]`, chromedp.ByQuery))
	if got := b.strings(t, `[...document.querySelectorAll('[aria-invalid=true]')].map(e => e.dataset.field)`); !slices.Equal(got, []string{"events[1].properties[0].name"}) {
		t.Errorf("the cells marked invalid are %v, want the unnamed property's name", got)
	}
	if !b.hidden(t, "#taxonomy-diff") {
		t.Error("the diff is shown for a sheet the API refused")
	}

	prop := `#taxonomy-events-table tbody.tx-event:last-of-type .tx-event-props tbody tr:last-child `
	b.run(t, chromedp.SendKeys(prop+"[data-key=name]", "total", chromedp.ByQuery),
		chromedp.SetValue(prop+"[data-key=type]", "number", chromedp.ByQuery),
		chromedp.Click(prop+"[data-key=required]", chromedp.ByQuery),
		chromedp.Click("#taxonomy-add-userprop", chromedp.ByID),
		chromedp.SendKeys(`#taxonomy-userprops-table tbody tr:last-child [data-key=name]`, "plan", chromedp.ByQuery),
		chromedp.SendKeys(`#taxonomy-userprops-table tbody tr:last-child [data-key=enum]`, "free, pro", chromedp.ByQuery),
		chromedp.Click("#taxonomy-review", chromedp.ByID),
		chromedp.WaitVisible("#taxonomy-diff", chromedp.ByID))
	changes := b.strings(t, `[...document.querySelectorAll('#taxonomy-changes .tx-change')].map(e => e.dataset.op + " " + e.dataset.path)`)
	for _, want := range []string{"add events.order_completed", "add userProperties.plan"} {
		if !slices.Contains(changes, want) {
			t.Errorf("the diff %v lacks %q", changes, want)
		}
	}
	if n := b.strings(t, `[...document.querySelectorAll('[aria-invalid=true]')].map(e => e.dataset.field)`); len(n) != 0 {
		t.Errorf("cells still marked invalid after the fix: %v", n)
	}
	var before struct{ Events []struct{ Name string } }
	s.call("GET", "/v1/taxonomy", "admin", nil, http.StatusOK, &before)
	if len(before.Events) != 1 {
		t.Fatalf("reviewing stored the sheet: %+v", before)
	}

	b.run(t, chromedp.Click("#taxonomy-apply", chromedp.ByID), chromedp.WaitVisible("#taxonomy-applied", chromedp.ByID))
	type event struct {
		Name       string
		Properties []struct {
			Name, Type string
			Required   bool
		}
	}
	var after struct {
		Events         []event
		UserProperties []struct {
			Name string
			Enum []string
		}
	}
	s.call("GET", "/v1/taxonomy", "admin", nil, http.StatusOK, &after)
	i := slices.IndexFunc(after.Events, func(e event) bool { return e.Name == "order_completed" })
	if i < 0 || len(after.Events[i].Properties) != 1 || after.Events[i].Properties[0].Name != "total" ||
		after.Events[i].Properties[0].Type != "number" || !after.Events[i].Properties[0].Required {
		t.Errorf("GET /v1/taxonomy after applying: %+v", after.Events)
	}
	if len(after.UserProperties) != 1 || after.UserProperties[0].Name != "plan" || !slices.Equal(after.UserProperties[0].Enum, []string{"free", "pro"}) {
		t.Errorf("GET /v1/taxonomy's user properties after applying: %+v", after.UserProperties)
	}
	// The table is drawn again from what is stored.
	if got := b.strings(t, `[...document.querySelectorAll('#taxonomy-events-table .tx-event-row [data-key=name]')].map(e => e.value)`); !slices.Contains(got, "order_completed") {
		t.Errorf("after applying the table shows %v", got)
	}
	b.screenshot(t, "taxonomy-applied.png")
	b.noConsoleErrorsBut(t, "status of 422")
}

// hidden says whether the element is hidden.
func (b *browser) hidden(t *testing.T, sel string) bool {
	t.Helper()
	var h bool
	b.run(t, chromedp.Evaluate("document.querySelector("+strconv.Quote(sel)+").hidden", &h))
	return h
}
