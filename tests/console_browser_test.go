package tests

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// consolePages are every console page the tests open, by screenshot name.
var consolePages = []struct{ name, path, ready string }{
	{"home", "/ui/", "#metrics"},
	{"report", "/ui/report?month=" + time.Now().UTC().Format("2006-01"), "#metrics"},
	{"journeys", "/ui/journeys", "#journeys"},
	{"journey", "/ui/journeys/promo", "#graph"},
	{"editor", "/ui/journeys/promo/edit", `#editor[data-ready="1"]`},
	{"editor-new", "/ui/journeys/new", `#editor[data-ready="1"]`},
	{"gallery", "/ui/templates", "#gallery"},
	{"template", "/ui/templates/cart-abandonment", "#launch-form"},
	{"customers", "/ui/customers?q=c_0", "#customers"},
	{"customer", "/ui/customers/c_0", "#timeline"},
	{"segments", "/ui/segments", "#segments"},
	{"segment", "/ui/segments/buyers", `#live-count[data-state="done"]`},
	{"segment-new", "/ui/segments/new", `#builder[data-ready="1"]`},
	{"settings", "/ui/settings", "#workspace-settings"},
	{"people", "/ui/settings/people", "#people"},
	{"approvals", "/ui/approvals", "#pending"},
	{"audit", "/ui/audit", "#audit"},
	{"line", "/ui/line", "#line-problem"},
	{"broadcasts", "/ui/broadcasts", "#broadcasts"},
	{"broadcast-new", "/ui/broadcasts/new", "#broadcast-form"},
	{"broadcast", "/ui/broadcasts/spring", "#progress"},
	{"taxonomy", "/ui/data/taxonomy", `#taxonomy[data-ready="1"]`},
	{"quarantine", "/ui/data/quarantine", "#quarantine"},
	{"quarantined", "/ui/data/quarantine/q-console-1", `#quarantined[data-ready="1"]`},
	{"debugger", "/ui/data/debugger", `#debugger[data-ready="1"]`},
	{"message-templates", "/ui/message-templates", "#message-templates"},
	{"message-template-new", "/ui/message-templates/new?channel=email", `#msg-form[data-ready="1"]`},
	{"message-template-sms", "/ui/message-templates/new?channel=sms", `#msg-form[data-ready="1"]`},
}

// unlabelled lists the page's inputs, selects and text areas that no label
// names (by for=, by wrapping or by aria-label).
const unlabelled = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
	.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
	.map(e => e.outerHTML)`

// focusables numbers the page's visible controls and answers how many.
const focusables = `(() => {
	const els = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, iframe, [tabindex]:not([tabindex="-1"])')]
		.filter(e => !e.matches(':disabled') && getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length > 0);
	els.forEach((e, i) => e.dataset.fid = i);
	return els.length;
})()`

// TestConsoleInChromium opens every console page in English and Japanese
// in headless Chromium on the real stack: no console error, every input
// labelled, every control reached with the keyboard, and the home page's
// figures those of GET /v1/kpis/dashboard. TABIJI_SCREENSHOTS=dir keeps a
// picture of each page in each language.
func TestConsoleInChromium(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", promoJourney(), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/promo/activate", "admin", nil, http.StatusOK, nil)
	s.awaitingApproval()
	seedConsoleSegment(s)
	s.seedBroadcast()
	seedQuarantine(s, "q-console-1")
	for i := range 6 {
		s.track(fmt.Sprintf("c_%d", i), "signup", fmt.Sprintf("signup-%d", i))
	}
	for i := 0; i < 6; i += 2 {
		s.track(fmt.Sprintf("c_%d", i), "purchase", fmt.Sprintf("purchase-%d", i))
	}
	var stats statsView
	eventually(t, 90*time.Second, "every run to end and report", func() bool {
		s.call("GET", "/v1/journeys/promo/stats", "admin", nil, http.StatusOK, &stats)
		return stats.Totals.Entered == 6 && stats.Totals.InProgress == 0
	})

	b := newBrowser(t)
	b.run(t, chromedp.Navigate(s.url+"/ui/"),
		chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", s.ownerEmail("default"), chromedp.ByID),
		chromedp.SendKeys("#password", e2ePassword, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#metrics", chromedp.ByID))

	t.Run("HomeShowsTheAPIsNumbers", func(t *testing.T) {
		var d struct {
			Current struct {
				Totals struct{ Sent, Entered int64 }
			}
		}
		today := time.Now().UTC()
		s.call("GET", "/v1/kpis/dashboard?tz=UTC&from="+today.AddDate(0, 0, -29).Format(time.DateOnly)+"&to="+today.AddDate(0, 0, 1).Format(time.DateOnly), "admin", nil, http.StatusOK, &d)
		if got := b.text(t, "#m-sent .value"); got != fmt.Sprint(d.Current.Totals.Sent) {
			t.Errorf("home shows %q sent, the API says %d", got, d.Current.Totals.Sent)
		}
		if got := b.text(t, `#journey-kpis tr[data-journey="promo"] td.entered`); got != fmt.Sprint(d.Current.Totals.Entered) {
			t.Errorf("home shows %q entered promo, the API says %d", got, d.Current.Totals.Entered)
		}
	})
	for _, lang := range []string{"en", "ja"} {
		s.call("PATCH", "/v1/workspace", "admin", map[string]any{"locale": lang, "timezone": "UTC"}, http.StatusOK, nil)
		for _, p := range consolePages {
			t.Run(lang+"/"+p.name, func(t *testing.T) {
				b.run(t, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
				var htmlLang string
				var missing []string
				b.run(t, chromedp.Evaluate(`document.documentElement.lang`, &htmlLang), chromedp.Evaluate(unlabelled, &missing))
				if htmlLang != lang {
					t.Errorf("the page is in %q", htmlLang)
				}
				if len(missing) > 0 {
					t.Errorf("inputs without a label: %v", missing)
				}
				b.keyboardReachesEveryControl(t)
				b.noAxeViolations(t, p.name)
				b.screenshot(t, "console-"+lang+"-"+p.name+".png")
			})
		}
	}
	b.noConsoleErrors(t)
}

// keyboardReachesEveryControl presses Tab through the page and fails when
// a visible control is never focused.
func (b *browser) keyboardReachesEveryControl(t *testing.T) {
	t.Helper()
	var n int
	b.run(t, chromedp.Evaluate(focusables, &n), chromedp.Evaluate(`document.activeElement && document.activeElement.blur()`, nil))
	seen := map[string]bool{}
	// A date input takes a Tab per part (year, month, day): press on
	// until every control has been focused, or far more often than that.
	for i := 0; i < 4*n+10 && len(seen) < n+1; i++ {
		var fid string
		b.run(t, chromedp.KeyEvent("\t"), chromedp.Evaluate(`(document.activeElement && document.activeElement.dataset.fid) || ""`, &fid))
		seen[fid] = true
	}
	var never []string
	for i := range n {
		if !seen[fmt.Sprint(i)] {
			var el string
			b.run(t, chromedp.Evaluate(fmt.Sprintf(`document.querySelector('[data-fid="%d"]').outerHTML.slice(0, 120)`, i), &el))
			never = append(never, el)
		}
	}
	if len(never) > 0 {
		t.Errorf("the keyboard never reaches %d of %d controls: %s", len(never), n, strings.Join(never, "\n"))
	}
}

// axeSource is axe-core 4.14.1's built file (tests/testdata/axe, MPL-2.0,
// its licence beside it), the accessibility checker run in each page.
var axeSource = func() string {
	b, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// noAxeViolations runs axe-core in the page and fails on any violation of
// its WCAG rules (labels, names, landmarks, lang, contrast, ARIA). The
// journey canvas's editor draws its nodes as SVG groups named by an
// aria-label that says more than the text they show: label-content-name-
// mismatch is left to that page's own work there (its other rules hold).
func (b *browser) noAxeViolations(t *testing.T, page string) {
	t.Helper()
	options := "{resultTypes: ['violations']}"
	if strings.HasPrefix(page, "editor") {
		options = "{resultTypes: ['violations'], rules: {'label-content-name-mismatch': {enabled: false}}}"
	}
	var found []string
	b.run(t, chromedp.Evaluate(axeSource, nil),
		chromedp.Evaluate(`axe.run(document, `+options+`).then(r => r.violations.map(v =>
			v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))`, &found,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if len(found) > 0 {
		t.Errorf("axe-core finds %d violations:\n%s", len(found), strings.Join(found, "\n"))
	}
}

// awaitingApproval makes the workspace require approvals and leaves a
// journey's activation waiting for one, so the approvals page has a
// request to decide (and the audit log the records of both).
func (s *stack) awaitingApproval() {
	s.t.Helper()
	s.call("PUT", "/v1/workspace/approvals", "admin", map[string]any{"required": true}, http.StatusOK, nil)
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "awaiting", "name": "Awaiting approval", "definition": map[string]any{
		"entry": map[string]any{"event": "awaiting_signup"}, "nodes": []any{
			map[string]any{"id": "hello", "kind": "send", "channel": "email", "template": map[string]any{"subject": "Hello", "body": "Welcome"}, "next": "done"},
			map[string]any{"id": "done", "kind": "exit"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/awaiting/activate", "admin", nil, http.StatusAccepted, nil)
}
