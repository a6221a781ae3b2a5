package tests

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// waitJS waits, polling in the page, until the expression is true.
func (b *browser) waitJS(t *testing.T, what, expr string) {
	t.Helper()
	if err := chromedp.Run(b.ctx, chromedp.Poll(expr, nil, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.screenshot(t, "editor-failed.png")
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// enter presses Enter as a person does: one key-down that carries its
// text, so a handler that prevents the default also stops the new line
// (chromedp's KeyEvent sends the text as a separate char event).
func (b *browser) enter(t *testing.T) {
	t.Helper()
	b.run(t, chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyDown).WithKey("Enter").WithCode("Enter").WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).WithText("\r").WithUnmodifiedText("\r")
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey("Enter").WithCode("Enter").WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).Do(ctx)
	}))
}

// listOpen is true in the page once the field's listbox shows suggestions.
func listOpen(field string) string {
	return fmt.Sprintf(`!document.getElementById(document.querySelector(%q).getAttribute("aria-controls")).hidden`, field)
}

// options are the texts of the open listbox's options under the field.
func (b *browser) options(t *testing.T, field string) []string {
	t.Helper()
	return b.strings(t, fmt.Sprintf(`[...document.querySelectorAll('#' + document.querySelector(%q).getAttribute('aria-controls') + ':not([hidden]) [role=option]')].map(o => o.textContent)`, field))
}

// TestJourneyEditorSuggestsAndChecksConditions: on the canvas in headless
// Chromium, an event field suggests the taxonomy's events and a CEL field
// its event properties and the customer's traits, in a listbox chosen with
// the keyboard; the API checks the condition as it is typed and the form
// says what saving would say (the error, or the taxonomy's warning).
func TestJourneyEditorSuggestsAndChecksConditions(t *testing.T) {
	s := startStack(t)
	s.call("PUT", "/v1/taxonomy", "admin", map[string]any{
		"events": []map[string]any{
			{"name": "purchase", "properties": []map[string]any{{"name": "total", "type": "number"}, {"name": "tea_kind", "type": "string"}}},
			{"name": "pageview", "properties": []map[string]any{{"name": "path", "type": "string"}}}},
		"userProperties": []map[string]any{{"name": "plan", "type": "string"}, {"name": "prefecture", "type": "string"}},
	}, http.StatusOK, nil)
	b := newBrowser(t)
	b.loginAs(t, s, s.ownerEmail("default"), "/ui/journeys/new", editorReady)
	event := `#inspector-form input[data-path="entry.event"]`
	filter := `#inspector-form textarea[data-path="entry.filter"]`

	t.Run("AnEventFieldSuggestsTheTaxonomysEvents", func(t *testing.T) {
		b.run(t, chromedp.Click(event, chromedp.ByQuery), chromedp.SendKeys(event, "pu", chromedp.ByQuery))
		b.waitJS(t, "the event list", fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-expanded") === "true"`, event))
		if got := b.options(t, event); strings.Join(got, ",") != "purchase" {
			t.Fatalf("suggested %q for pu, want purchase", got)
		}
		b.key(t, kb.ArrowDown)
		b.enter(t)
		var v string
		b.run(t, chromedp.Value(event, &v, chromedp.ByQuery))
		if v != "purchase" {
			t.Errorf("the field holds %q after Enter", v)
		}
	})

	t.Run("AConditionSuggestsPropertiesAndTraits", func(t *testing.T) {
		b.run(t, chromedp.Click(filter, chromedp.ByQuery), chromedp.SendKeys(filter, "event.properties.t", chromedp.ByQuery))
		b.waitJS(t, "the property list", listOpen(filter))
		got := b.options(t, filter)
		if len(got) != 2 || !strings.HasPrefix(got[0], "tea_kind") || !strings.HasPrefix(got[1], "total") {
			t.Fatalf("suggested %q for event.properties.t of a purchase", got)
		}
		b.key(t, kb.ArrowDown)
		b.key(t, kb.ArrowDown)
		var active string
		b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => { const f = document.querySelector(%q); return document.getElementById(f.getAttribute("aria-activedescendant")).textContent; })()`, filter), &active))
		if !strings.HasPrefix(active, "total") {
			t.Errorf("the second ArrowDown is on %q", active)
		}
		b.key(t, "\t")
		b.run(t, chromedp.SendKeys(filter, " > 100 && profile.traits.pre", chromedp.ByQuery))
		b.waitJS(t, "the trait list", listOpen(filter))
		b.key(t, kb.ArrowDown)
		b.enter(t)
		b.run(t, chromedp.SendKeys(filter, ` == "Kyoto"`, chromedp.ByQuery))
		var v string
		b.run(t, chromedp.Value(filter, &v, chromedp.ByQuery))
		if want := `event.properties.total > 100 && profile.traits.prefecture == "Kyoto"`; v != want {
			t.Errorf("the condition reads %q, want %q", v, want)
		}
		b.waitJS(t, "the API's check", fmt.Sprintf(`document.querySelector(%q).dataset.checked === "valid"`, filter))
		var def struct {
			Entry struct{ Event, Filter string }
		}
		b.run(t, chromedp.Evaluate(`window.tabijiEditor.definition()`, &def))
		if def.Entry.Event != "purchase" || def.Entry.Filter != v {
			t.Errorf("the definition's entry is %+v", def.Entry)
		}
	})

	t.Run("TheAPIChecksTheConditionAsItIsTyped", func(t *testing.T) {
		b.run(t, chromedp.SendKeys(filter, " &&", chromedp.ByQuery))
		b.waitJS(t, "the refusal", fmt.Sprintf(`document.querySelector(%q).dataset.checked === "invalid"`, filter))
		note := b.text(t, `#inspector-form [data-field="entry.filter"] .cel-check`)
		var invalid string
		b.run(t, chromedp.AttributeValue(filter, "aria-invalid", &invalid, nil, chromedp.ByQuery))
		if !strings.Contains(note, "is not a valid CEL condition") || invalid != "true" {
			t.Errorf("the form says %q (aria-invalid %q)", note, invalid)
		}
		b.run(t, chromedp.SendKeys(filter, " profile.traits.tier == 1", chromedp.ByQuery))
		b.waitJS(t, "the warning", fmt.Sprintf(`document.querySelector(%q).dataset.checked === "warning"`, filter))
		if note := b.text(t, `#inspector-form [data-field="entry.filter"] .cel-check`); !strings.Contains(note, "profile.traits.tier is not defined") {
			t.Errorf("the warning reads %q", note)
		}
	})
	b.noConsoleErrors(t)
}

// TestJourneyEditorEditsYAMLBesideJSON: on the canvas in headless
// Chromium, an edit in the YAML view changes the definition (the JSON view
// and the canvas follow) and is saved as the next version; YAML that does
// not read is shown as an error and neither applied nor saved.
func TestJourneyEditorEditsYAMLBesideJSON(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "yaml_edit", "name": "YAML edit", "definition": map[string]any{
		"entry": map[string]any{"event": "signup"}, "nodes": []any{
			map[string]any{"id": "pause", "kind": "wait", "duration": "1d", "next": "done"}, map[string]any{"id": "done", "kind": "exit"}}}},
		http.StatusCreated, nil)
	b := newBrowser(t)
	b.loginAs(t, s, s.ownerEmail("default"), "/ui/journeys/yaml_edit/edit", editorReady)
	b.run(t, chromedp.WaitVisible(`#yaml-view[data-shown]`, chromedp.ByQuery))
	var y string
	b.run(t, chromedp.Value("#yaml-view", &y, chromedp.ByID))
	if !strings.Contains(y, "duration: 1d") || !strings.Contains(y, "- id: pause") {
		t.Fatalf("the YAML view shows\n%s", y)
	}
	b.setField(t, "#yaml-view", strings.Replace(y, "duration: 1d", "duration: 3d", 1)+"  # a comment\n")
	b.waitJS(t, "the YAML edit to apply", `window.tabijiEditor.definition().nodes[0].duration === "3d"`)
	var shownJSON string
	b.run(t, chromedp.Focus("#canvas", chromedp.ByID))
	b.waitJS(t, "the JSON view to follow", `document.querySelector("#json-view").value.includes('"3d"')`)
	b.run(t, chromedp.Value("#json-view", &shownJSON, chromedp.ByID))

	b.setField(t, "#yaml-view", "entry: [unclosed\n")
	b.waitJS(t, "the YAML error", `!document.querySelector("#yaml-error").hidden`)
	if msg := b.text(t, "#yaml-error"); !strings.Contains(msg, "line 1") {
		t.Errorf("the YAML error reads %q", msg)
	}
	b.run(t, chromedp.Click("#save", chromedp.ByID), chromedp.WaitVisible("#ed-status.error", chromedp.ByQuery))
	var v versionsView
	s.call("GET", "/v1/journeys/yaml_edit/versions", "admin", nil, http.StatusOK, &v)
	if len(v.Versions) != 1 {
		t.Fatalf("a save with broken YAML made version %d", v.Versions[0].Version)
	}

	b.setField(t, "#yaml-view", strings.Replace(y, "duration: 1d", "duration: 3d", 1))
	b.waitJS(t, "the YAML to read again", `document.querySelector("#yaml-error").hidden`)
	b.run(t, chromedp.Click("#save", chromedp.ByID), chromedp.WaitVisible("#ed-status.ok", chromedp.ByQuery))
	s.call("GET", "/v1/journeys/yaml_edit/versions", "admin", nil, http.StatusOK, &v)
	if len(v.Versions) != 2 || !sameJSON(t, v.Versions[0].Definition, []byte(shownJSON)) || !strings.Contains(string(v.Versions[0].Definition), `"3d"`) {
		t.Errorf("saved %s, the JSON view showed %s", v.Versions[0].Definition, shownJSON)
	}
	b.noConsoleErrors(t) // the broken YAML is a verdict (check), not a failing request
}

// TestJourneyEditorHelpsWithMessages: on the canvas in headless Chromium,
// a send node's inline Liquid suggests the variables a message is
// rendered with after "{{" (traits from the taxonomy) and inserts one
// from its list at the caret (the entry event's properties, the
// journey's variables); its template name suggests the stored templates
// of its channel; the message saved holds what was chosen.
func TestJourneyEditorHelpsWithMessages(t *testing.T) {
	s := startStack(t)
	s.call("PUT", "/v1/taxonomy", "admin", map[string]any{
		"events":         []map[string]any{{"name": "signup", "properties": []map[string]any{{"name": "coupon", "type": "string"}}}},
		"userProperties": []map[string]any{{"name": "plan", "type": "string"}},
	}, http.StatusOK, nil)
	for _, id := range []string{"welcome_a", "welcome_b"} {
		s.call("POST", "/v1/templates", "admin", map[string]any{"id": id, "name": "Welcome " + id[8:], "channel": "email",
			"content": map[string]any{"subject": "Welcome", "from": "shop@example.com", "html": "<p>Hi</p>"}}, http.StatusCreated, nil)
	}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "msg_help", "name": "Messages", "definition": map[string]any{
		"entry": map[string]any{"event": "signup"}, "variables": map[string]any{"shop": "Tea"}, "nodes": []any{
			map[string]any{"id": "hello", "kind": "send", "channel": "email", "template": map[string]any{"subject": "Hi", "body": "Hello"}, "next": "nudge"},
			map[string]any{"id": "nudge", "kind": "send", "channel": "email", "template": map[string]any{"name": "welcome_a"}, "next": "done"},
			map[string]any{"id": "done", "kind": "exit"}}}}, http.StatusCreated, nil)
	b := newBrowser(t)
	b.loginAs(t, s, s.ownerEmail("default"), "/ui/journeys/msg_help/edit", editorReady)
	body := `[data-path="nodes.0.template.body"]`
	b.run(t, chromedp.Focus(`#canvas .node[data-node="hello"]`, chromedp.ByQuery))
	b.enter(t)
	b.run(t, chromedp.WaitVisible(body, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.setSelectionRange(e.value.length, e.value.length); })()`, body), nil))

	t.Run("InlineLiquidSuggestsVariables", func(t *testing.T) {
		b.key(t, " {{ cus")
		b.waitJS(t, "the variables", listOpen(body))
		if got := b.options(t, body); !slices.Contains(got, "customer.traits.plan") || !slices.Contains(got, "customer.email") {
			t.Fatalf("after {{ cus the list offers %q", got)
		}
		b.key(t, "tomer.traits.p")
		b.waitJS(t, "the trait", listOpen(body))
		b.key(t, kb.ArrowDown)
		b.enter(t)
		b.key(t, " }}")
		vars := b.strings(t, `[...document.querySelector('select[data-insert-for="nodes.0.template.body"]').options].map(o => o.value)`)
		for _, want := range []string{"event.properties.coupon", "journey.variables.shop", "message.confirm_url", "customer.traits.plan"} {
			if !slices.Contains(vars, want) {
				t.Errorf("the variable list lacks %s: %q", want, vars)
			}
		}
		b.setField(t, `select[data-insert-for="nodes.0.template.body"]`, "event.properties.coupon")
		b.waitJS(t, "the body to change", `window.tabijiEditor.definition().nodes[0].template.body.endsWith("coupon }}")`)
	})

	t.Run("ATemplateNameSuggestsStoredTemplates", func(t *testing.T) {
		name := `[data-path="nodes.1.template.name"]`
		b.run(t, chromedp.Focus(`#canvas .node[data-node="nudge"]`, chromedp.ByQuery))
		b.enter(t)
		b.run(t, chromedp.WaitVisible(name, chromedp.ByQuery))
		b.setField(t, name, "")
		b.key(t, "welcome_")
		b.waitJS(t, "the templates", listOpen(name))
		if got := b.options(t, name); strings.Join(got, "|") != "welcome_a — Welcome a (email)|welcome_b — Welcome b (email)" {
			t.Fatalf("the templates offered: %q", got)
		}
		b.key(t, kb.ArrowDown)
		b.key(t, kb.ArrowDown)
		b.enter(t)
	})

	b.run(t, chromedp.Click("#save", chromedp.ByID), chromedp.WaitVisible("#ed-status.ok", chromedp.ByQuery))
	var j struct {
		Definition struct {
			Nodes []struct {
				Template struct{ Name, Body string }
			}
		}
	}
	s.call("GET", "/v1/journeys/msg_help", "admin", nil, http.StatusOK, &j)
	if got := j.Definition.Nodes[0].Template.Body; got != "Hello {{ customer.traits.plan }}{{ event.properties.coupon }}" {
		t.Errorf("the body saved is %q", got)
	}
	if got := j.Definition.Nodes[1].Template.Name; got != "welcome_b" {
		t.Errorf("the template saved is %q", got)
	}
	b.noConsoleErrors(t)
}

// TestJourneyEditorDrawsTheDiffAndLiveCounts: on the canvas of an active
// journey in headless Chromium, choosing an earlier version draws what
// changed since (a changed node, an added one, a removed one as a dashed
// box where it was), and the counts of the journey's report sit on each
// node and edge, moving without a reload as a new customer walks through.
func TestJourneyEditorDrawsTheDiffAndLiveCounts(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	send := func(subject, next string) map[string]any {
		return map[string]any{"id": "hello", "kind": "send", "channel": "email", "template": map[string]any{"subject": subject, "body": "Hi"}, "next": next}
	}
	v1 := map[string]any{"entry": map[string]any{"event": "signup"}, "nodes": []any{send("Hello", "w"),
		map[string]any{"id": "w", "kind": "wait", "duration": "1s", "next": "done"}, map[string]any{"id": "done", "kind": "exit"}}}
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "live_diff", "name": "Live", "definition": v1}, http.StatusCreated, nil)
	s.call("PUT", "/v1/journeys/live_diff/layout", "admin", map[string]any{"version": 1, "nodes": map[string]any{
		"hello": map[string]any{"x": 0, "y": 0}, "w": map[string]any{"x": 300, "y": 140}, "done": map[string]any{"x": 0, "y": 280}}}, http.StatusOK, nil)
	s.call("POST", "/v1/journeys/live_diff/activate", "admin", nil, http.StatusOK, nil)
	s.track("c_1", "signup", "live-1")
	s.track("c_2", "signup", "live-2")
	eventually(t, 90*time.Second, "two customers through version 1", func() bool {
		var st statsView
		s.call("GET", "/v1/journeys/live_diff/stats", "admin", nil, http.StatusOK, &st)
		return st.Totals.Entered == 2 && st.Totals.InProgress == 0
	})
	v2 := map[string]any{"entry": map[string]any{"event": "signup"}, "nodes": []any{send("Hello again", "n2"),
		map[string]any{"id": "n2", "kind": "wait", "duration": "2s", "next": "done"}, map[string]any{"id": "done", "kind": "exit"}}}
	s.call("PUT", "/v1/journeys/live_diff", "admin", map[string]any{"definition": v2}, http.StatusOK, nil)

	b := newBrowser(t)
	b.loginAs(t, s, s.ownerEmail("default"), "/ui/journeys/live_diff/edit", editorReady)
	t.Run("TheCountsOfTheReportSitOnNodesAndEdges", func(t *testing.T) {
		b.waitJS(t, "the counts", `!!document.querySelector('#canvas .node[data-node="hello"] .count[data-count="2"]') && !!document.querySelector('#canvas .node[data-node="done"] .count[data-count="2"]')`)
		s.track("c_3", "signup", "live-3")
		b.waitJS(t, "the counts to move without a reload", `!!document.querySelector('#canvas .node[data-node="hello"] .count[data-count="3"]') &&
			!!document.querySelector('#canvas .edge[data-from="hello"][data-to="n2"] .edge-count[data-count="1"]') &&
			!!document.querySelector('#canvas .edge[data-from="n2"][data-to="done"] .edge-count[data-count="1"]')`)
		if st := b.text(t, "#live-status"); st == "" {
			t.Error("the page does not say the counts are live")
		}
	})

	t.Run("TheDiffWithAnEarlierVersionIsDrawn", func(t *testing.T) {
		b.setField(t, "#diff-version", "1")
		b.waitJS(t, "the diff", `!!document.querySelector('#canvas .ghost-node[data-removed="w"]')`)
		got := b.strings(t, `[...document.querySelectorAll('#canvas .node')].map(n => n.dataset.node + ":" + (n.classList.contains("diff-added") ? "added" : n.classList.contains("diff-changed") ? "changed" : "same"))`)
		if want := []string{"hello:changed", "n2:added", "done:same"}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("the canvas draws %q, want %q", got, want)
		}
		var ghost []float64
		b.run(t, chromedp.Evaluate(`(() => { const m = document.querySelector('#canvas .ghost-node[data-removed="w"]').transform.baseVal[0].matrix; return [m.e, m.f]; })()`, &ghost))
		if len(ghost) != 2 || ghost[0] != 300 || ghost[1] != 140 {
			t.Errorf("the removed node is drawn at %v, not where version 1 had it", ghost)
		}
		if sum := b.text(t, "#diff-summary"); !strings.Contains(sum, "1 added (n2)") || !strings.Contains(sum, "1 changed (hello)") || !strings.Contains(sum, "1 removed (w)") {
			t.Errorf("the summary reads %q", sum)
		}
		b.setField(t, "#diff-version", "")
		b.waitJS(t, "the diff to go", `!document.querySelector('#canvas .ghost-node, #canvas .diff-added, #canvas .diff-changed')`)
	})
	b.noConsoleErrors(t)
}
