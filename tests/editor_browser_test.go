package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"gopkg.in/yaml.v3"

	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/locale"
)

// editorReady is the editor once its script has drawn the canvas.
const editorReady = `#editor[data-ready="1"]`

// shippedDefinitions are every journey Tabiji ships, by a journey id for
// each: the templates in each language (with their defaults) and the
// examples (journey/examples, and the definition with every kind of node
// the journey package's tests read).
func shippedDefinitions(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for _, tpl := range journeytemplates.List() {
		for _, lang := range []string{locale.English, locale.Japanese} {
			def, err := tpl.RenderIn(lang, requiredParams(tpl))
			if err != nil {
				t.Fatalf("render %s in %s: %v", tpl.Name, lang, err)
			}
			raw, err := json.Marshal(def)
			if err != nil {
				t.Fatal(err)
			}
			out[strings.ReplaceAll(tpl.Name, "_", "-")+"-"+lang] = raw
		}
	}
	raw, err := os.ReadFile("../journey/examples/cart_abandonment.json")
	if err != nil {
		t.Fatal(err)
	}
	var req struct{ Definition json.RawMessage } // the example is a whole POST /v1/journeys body
	if err := json.Unmarshal(raw, &req); err != nil || len(req.Definition) == 0 {
		t.Fatalf("journey/examples/cart_abandonment.json has no definition: %v", err)
	}
	out["example-cart-abandonment"] = req.Definition
	y, err := os.ReadFile("../journey/testdata/every_kind.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		t.Fatal(err)
	}
	if raw, err = json.Marshal(v); err != nil {
		t.Fatal(err)
	}
	out["example-every-kind"] = raw
	return out
}

// requiredParams are a value for each parameter of the template that has
// no default, of its type.
func requiredParams(tpl journeytemplates.Template) map[string]any {
	values := map[journeytemplates.ParamType]any{
		journeytemplates.TypeDuration: "2d", journeytemplates.TypeString: "tea", journeytemplates.TypeNumber: 50,
		journeytemplates.TypeEvent: "purchase", journeytemplates.TypeURL: "https://shop.example/tea",
		journeytemplates.TypeChannels: []string{"email"}, journeytemplates.TypeEmail: "sales@shop.example",
	}
	out := map[string]any{}
	for _, p := range tpl.Params {
		if p.Required {
			out[p.Name] = values[p.Type]
		}
	}
	return out
}

// sameJSON says whether two JSON texts hold the same value, whatever the
// order of their keys.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// loginAs logs the person in through the login form and waits for the page.
func (b *browser) loginAs(t *testing.T, s *stack, email, path, ready string) {
	t.Helper()
	b.run(t, chromedp.Navigate(s.url+path),
		chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", email, chromedp.ByID),
		chromedp.SendKeys("#password", e2ePassword, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible(ready, chromedp.ByQuery))
}

type versionsView struct {
	Versions []struct {
		Version    int
		Definition json.RawMessage
	}
}

// TestJourneyEditorRoundTripsEveryTemplateAndExample loads every shipped
// template (in English and Japanese) and example into the editor in
// headless Chromium, finds its JSON and YAML views holding the stored
// definition, saves it without an edit, and finds the new version's
// definition equal to the one loaded, with every node's position stored
// beside it.
func TestJourneyEditorRoundTripsEveryTemplateAndExample(t *testing.T) {
	s := startStack(t)
	defs := shippedDefinitions(t)
	ids := make([]string, 0, len(defs))
	segments := map[string]bool{}
	for id, def := range defs {
		var d struct{ Entry struct{ Segment string } }
		_ = json.Unmarshal(def, &d)
		if seg := d.Entry.Segment; seg != "" && !segments[seg] { // a segment entry needs its segment
			segments[seg] = true
			s.call("POST", "/v1/segments", "admin", map[string]any{"id": seg, "name": seg,
				"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "gold"}}}}, http.StatusCreated, nil)
		}
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": id, "definition": def}, http.StatusCreated, nil)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := newBrowser(t)
	b.loginAs(t, s, s.ownerEmail("default"), "/ui/journeys/"+ids[0]+"/edit", editorReady)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			b.run(t, chromedp.Navigate(s.url+"/ui/journeys/"+id+"/edit"), chromedp.WaitVisible(editorReady, chromedp.ByQuery))
			var shown string
			b.run(t, chromedp.Value("#json-view", &shown, chromedp.ByID))
			var stored versionsView
			s.call("GET", "/v1/journeys/"+id+"/versions", "admin", nil, http.StatusOK, &stored)
			if !sameJSON(t, []byte(shown), stored.Versions[0].Definition) {
				t.Errorf("the JSON view shows\n%s\nthe API stores\n%s", shown, stored.Versions[0].Definition)
			}
			var yamlShown string
			b.run(t, chromedp.WaitVisible(`#yaml-view[data-shown]`, chromedp.ByQuery), chromedp.Value("#yaml-view", &yamlShown, chromedp.ByID))
			var read struct{ Definition json.RawMessage }
			s.call("POST", "/v1/journeys/convert", "admin", map[string]any{"yaml": yamlShown}, http.StatusOK, &read)
			if !sameJSON(t, read.Definition, stored.Versions[0].Definition) {
				t.Errorf("the YAML view shows\n%s\nwhich reads as\n%s\nthe API stores\n%s", yamlShown, read.Definition, stored.Versions[0].Definition)
			}
			b.run(t, chromedp.Click("#save", chromedp.ByID), chromedp.WaitVisible("#ed-status.ok", chromedp.ByQuery))
			var after versionsView
			s.call("GET", "/v1/journeys/"+id+"/versions", "admin", nil, http.StatusOK, &after)
			if len(after.Versions) != 2 || after.Versions[0].Version != 2 {
				t.Fatalf("versions after the save: %+v", after.Versions)
			}
			if !sameJSON(t, after.Versions[0].Definition, after.Versions[1].Definition) {
				t.Errorf("saved without an edit, version 2 is\n%s\nversion 1 was\n%s", after.Versions[0].Definition, after.Versions[1].Definition)
			}
			var layout struct {
				Version int
				Nodes   map[string]struct{ X, Y float64 }
			}
			s.call("GET", "/v1/journeys/"+id+"/layout", "admin", nil, http.StatusOK, &layout)
			var def struct{ Nodes []struct{ ID string } }
			_ = json.Unmarshal(after.Versions[0].Definition, &def)
			if layout.Version != 2 || len(layout.Nodes) != len(def.Nodes) {
				t.Errorf("layout of version %d has %d positions for %d nodes", layout.Version, len(layout.Nodes), len(def.Nodes))
			}
		})
	}
	b.noConsoleErrors(t)
}

// center is the middle of the element sel on the screen.
func (b *browser) center(t *testing.T, sel string) (float64, float64) {
	t.Helper()
	var p []float64
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return []; const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, sel), &p))
	if len(p) != 2 {
		b.screenshot(t, "editor-failed.png")
		t.Fatalf("no %s on the page", sel)
	}
	return p[0], p[1]
}

// drag presses the mouse on the element sel, moves it in steps to the
// point (x, y) and releases it there, as a hand does.
func (b *browser) drag(t *testing.T, sel string, x, y float64) {
	t.Helper()
	x0, y0 := b.center(t, sel)
	b.run(t, chromedp.ActionFunc(func(ctx context.Context) error {
		if err := input.DispatchMouseEvent(input.MouseMoved, x0, y0).Do(ctx); err != nil {
			return err
		}
		if err := input.DispatchMouseEvent(input.MousePressed, x0, y0).WithButton(input.Left).WithButtons(1).WithClickCount(1).Do(ctx); err != nil {
			return err
		}
		for i := 1; i <= 8; i++ {
			f := float64(i) / 8
			if err := input.DispatchMouseEvent(input.MouseMoved, x0+(x-x0)*f, y0+(y-y0)*f).WithButton(input.Left).WithButtons(1).Do(ctx); err != nil {
				return err
			}
		}
		return input.DispatchMouseEvent(input.MouseReleased, x, y).WithButton(input.Left).WithButtons(0).WithClickCount(1).Do(ctx)
	}))
}

// connect drags from a node's exit handle onto another node.
func (b *browser) connect(t *testing.T, from, exit, to string) {
	t.Helper()
	x, y := b.center(t, fmt.Sprintf(`#canvas .node[data-node=%q]`, to))
	b.drag(t, fmt.Sprintf(`#canvas .node[data-node=%q] .handle[data-exit=%q]`, from, exit), x, y)
}

// setField gives a form field a value as the user's typing or choosing
// does: the field's input and change events.
func (b *browser) setField(t *testing.T, sel, value string) {
	t.Helper()
	var ok bool
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		e.focus(); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, value), &ok))
	if !ok {
		t.Fatalf("no field %s", sel)
	}
}

// key presses a key on the focused element.
func (b *browser) key(t *testing.T, keys string) { t.Helper(); b.run(t, chromedp.KeyEvent(keys)) }

// TestJourneyEditorBuildsTheWelcomeSeries builds a welcome series on an
// empty canvas in headless Chromium, adding nodes by dragging them from
// the palette and with the keyboard, connecting exits by dragging from
// their handles and by choosing in the form, saves it, activates it and
// sends events through /v1/track: the customer who buys leaves on the
// purchase, the one who does not gets the reminder.
func TestJourneyEditorBuildsTheWelcomeSeries(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	b := newBrowser(t)
	b.loginAs(t, s, s.ownerEmail("default"), "/ui/journeys/new", editorReady)
	cx, cy := b.center(t, "#canvas")
	var box []float64
	b.run(t, chromedp.Evaluate(`(() => { const r = document.querySelector("#canvas").getBoundingClientRect(); return [r.left, r.top]; })()`, &box))
	left, top := box[0], box[1]

	b.run(t, chromedp.SendKeys("#journey-id", "welcome_canvas", chromedp.ByID), chromedp.SendKeys("#journey-name", "Welcome from the canvas", chromedp.ByID),
		chromedp.SendKeys(`#inspector-form input[data-path="entry.event"]`, "signup", chromedp.ByQuery))

	// hello: dragged from the palette.
	b.drag(t, `#palette button[data-kind="send"]`, left+140, top+90)
	b.run(t, chromedp.WaitVisible(`#canvas .node[data-node="send_1"]`, chromedp.ByQuery))
	b.setField(t, `[data-path="nodes.0.id"]`, "hello")
	b.setField(t, `[data-path="nodes.0.channel"]`, "email")
	b.setField(t, `[data-path="nodes.0.template.subject"]`, "Welcome")
	b.setField(t, `[data-path="nodes.0.template.body"]`, "Hello {{ customer.id }}")

	// wait: with the keyboard, its palette button and Enter on the canvas (its middle).
	b.run(t, chromedp.Focus(`#palette button[data-kind="wait_for"]`, chromedp.ByQuery))
	b.key(t, "\r")
	b.key(t, "\r")
	b.run(t, chromedp.WaitVisible(`#canvas .node[data-node="wait_for_1"]`, chromedp.ByQuery))
	b.setField(t, `[data-path="nodes.1.id"]`, "wait")
	b.run(t, chromedp.Click(`#inspector-form button[data-add="events"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-path="nodes.1.events.0.event"]`, chromedp.ByQuery))
	b.setField(t, `[data-path="nodes.1.events.0.event"]`, "purchase")
	b.setField(t, `[data-path="nodes.1.timeout"]`, "8s")

	// bought and nudge: dragged.
	b.drag(t, `#palette button[data-kind="exit"]`, left+140, top+540)
	b.setField(t, `[data-path="nodes.2.id"]`, "bought")
	b.drag(t, `#palette button[data-kind="send"]`, cx+120, cy+130)
	b.setField(t, `[data-path="nodes.3.id"]`, "nudge")
	b.setField(t, `[data-path="nodes.3.channel"]`, "email")
	b.setField(t, `[data-path="nodes.3.template.subject"]`, "Still thinking?")
	b.setField(t, `[data-path="nodes.3.template.body"]`, "Your welcome offer waits, {{ customer.id }}")

	// Exits dragged from their handles onto the next node.
	b.connect(t, "hello", "next", "wait")
	b.connect(t, "wait", "events.0", "bought")
	b.connect(t, "wait", "on_timeout", "nudge")

	// done: the keyboard again, after panning the canvas with the arrow
	// keys, and nudge → done chosen in nudge's form.
	b.run(t, chromedp.Focus("#canvas", chromedp.ByID))
	for range 5 {
		b.key(t, kb.ArrowRight)
	}
	b.run(t, chromedp.Focus(`#palette button[data-kind="exit"]`, chromedp.ByQuery))
	b.key(t, "\r")
	b.key(t, "\r")
	b.run(t, chromedp.WaitVisible(`#canvas .node[data-node="exit_1"]`, chromedp.ByQuery))
	b.setField(t, `[data-path="nodes.4.id"]`, "done")
	b.run(t, chromedp.Focus(`#canvas .node[data-node="nudge"]`, chromedp.ByQuery))
	b.key(t, "\r")
	b.setField(t, `[data-path="nodes.3.next"]`, "done")
	var edges []string
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll("#canvas .edge[data-from]")].map(e => e.dataset.from + ">" + e.dataset.to).sort()`, &edges))
	if want := []string{"hello>wait", "nudge>done", "wait>bought", "wait>nudge"}; !reflect.DeepEqual(edges, want) {
		t.Fatalf("the canvas draws %v, want %v", edges, want)
	}
	b.screenshot(t, "editor-welcome.png")

	b.run(t, chromedp.Click("#save", chromedp.ByID), chromedp.WaitVisible("#ed-status.ok", chromedp.ByQuery))
	var j struct {
		Version    int
		Definition struct {
			Entry struct{ Event string }
			Nodes []map[string]any
		}
	}
	s.call("GET", "/v1/journeys/welcome_canvas", "admin", nil, http.StatusOK, &j)
	if j.Version != 1 || j.Definition.Entry.Event != "signup" || len(j.Definition.Nodes) != 5 {
		t.Fatalf("stored %+v", j)
	}
	s.call("POST", "/v1/journeys/welcome_canvas/activate", "admin", nil, http.StatusOK, nil)

	s.track("c_buy", "signup", "signup-buy")
	s.track("c_idle", "signup", "signup-idle")
	eventually(t, 60*time.Second, "c_buy to wait for a purchase", func() bool {
		for _, r := range runsOf(s, "c_buy") {
			if st, ok := r["state"].(map[string]any); ok && st["node"] == "wait" {
				return true
			}
		}
		return false
	})
	s.track("c_buy", "purchase", "purchase-buy")
	var stats statsView
	eventually(t, 90*time.Second, "both runs to end", func() bool {
		s.call("GET", "/v1/journeys/welcome_canvas/stats", "admin", nil, http.StatusOK, &stats)
		return stats.Totals.Entered == 2 && stats.Totals.InProgress == 0
	})
	entered := map[string]int64{}
	for _, n := range stats.Nodes {
		entered[n.ID] = n.Entered
	}
	if want := map[string]int64{"hello": 2, "wait": 2, "bought": 1, "nudge": 1, "done": 1}; !reflect.DeepEqual(entered, want) {
		t.Errorf("customers entered %v, want %v", entered, want)
	}
	for customer, last := range map[string]string{"c_buy": "bought", "c_idle": "done"} {
		runs := runsOf(s, customer)
		if len(runs) != 1 || runs[0]["step"] != last {
			t.Errorf("%s's runs: %v, want one ending at %s", customer, runs, last)
		}
	}

	t.Run("SimulatingACustomerDrawsTheirPathAndMessages", func(t *testing.T) {
		b.run(t, chromedp.SendKeys("#simulate-customer", "c_idle", chromedp.ByID), chromedp.Click("#simulate-run", chromedp.ByID),
			chromedp.WaitVisible("#canvas .node.on-path", chromedp.ByQuery))
		var path []string
		b.run(t, chromedp.Evaluate(`[...document.querySelectorAll("#canvas .node.on-path")].map(n => n.dataset.node).sort()`, &path))
		if want := []string{"done", "hello", "nudge", "wait"}; !reflect.DeepEqual(path, want) {
			t.Errorf("the canvas highlights %v, want %v", path, want)
		}
		b.run(t, chromedp.WaitVisible(`#sim-list li[data-node="nudge"] .email-preview`, chromedp.ByQuery))
		var subjects []string
		b.run(t, chromedp.Evaluate(`[...document.querySelectorAll("#sim-list li")].map(li => li.dataset.node + ": " + li.querySelector(".email-preview .subject").textContent)`, &subjects))
		if want := []string{"hello: Welcome", "nudge: Still thinking?"}; !reflect.DeepEqual(subjects, want) {
			t.Errorf("the messages beside the path are %q, want %q", subjects, want)
		}
		b.run(t, chromedp.Click(`#sim-list li[data-node="nudge"] button.sim-node`, chromedp.ByQuery),
			chromedp.WaitVisible(`#canvas .node.selected[data-node="nudge"]`, chromedp.ByQuery))
	})
	b.noConsoleErrors(t)
}
