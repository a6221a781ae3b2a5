package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// changeControls lists the page's enabled, visible controls that could
// change something: every button, input, select and text area but those
// known to only read or to be the reader's own (the language switch,
// logging out, the canvas's zoom and its settings panel, read-only
// fields), and the fields of forms that only GET a page.
const changeControls = `[...document.querySelectorAll('button, input:not([type=hidden]), select, textarea')]
	.filter(e => !e.matches(':disabled') && !e.readOnly && e.getClientRects().length > 0)
	.filter(e => !e.closest('form[method=get]') && !e.closest('form[action="/ui/logout"]'))
	.filter(e => !['lang-switch', 'versions-load', 'print', 'settings-open', 'zoom-in', 'zoom-out', 'zoom-fit'].includes(e.id))
	.map(e => e.outerHTML.slice(0, 120))`

// TestAnalystSeesNoControlThatChanges: an analyst opens every console page
// in headless Chromium and finds no enabled control that changes
// something, where an owner finds them; the API refuses each change those
// controls make with 403 naming the role it needs.
func TestAnalystSeesNoControlThatChanges(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", promoJourney(), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/promo/activate", "admin", nil, http.StatusOK, nil)
	s.track("c_0", "signup", "signup-0")
	eventually(t, 60*time.Second, "c_0's run to end", func() bool {
		var st statsView
		s.call("GET", "/v1/journeys/promo/stats", "admin", nil, http.StatusOK, &st)
		return st.Totals.Entered == 1 && st.Totals.InProgress == 0
	})
	const analyst = "ana@example.com"
	s.person("default", analyst, "analyst")

	owner := newBrowser(t)
	owner.login(t, s, "/ui/", s.ownerEmail("default"), "#metrics")
	b := newBrowser(t)
	b.login(t, s, "/ui/", analyst, "#metrics")
	ownersControls := 0
	for _, p := range consolePages {
		t.Run(p.name, func(t *testing.T) {
			b.run(t, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
			if got := b.strings(t, changeControls); len(got) > 0 {
				t.Errorf("the analyst sees %d controls that change something:\n%s", len(got), strings.Join(got, "\n"))
			}
			owner.run(t, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
			ownersControls += len(owner.strings(t, changeControls))
			b.screenshot(t, "analyst-"+p.name+".png")
		})
	}
	if ownersControls == 0 {
		t.Error("the owner sees no control that changes something either: the check checks nothing")
	}

	t.Run("TheAPIRefusesEachChangeNamingTheRole", func(t *testing.T) {
		session := s.consoleLogin(analyst, e2ePassword)
		for _, c := range []struct{ method, path, body, role string }{
			{"POST", "/v1/journey-templates/cart-abandonment/launch", `{"id":"by_analyst"}`, "marketer or owner"},
			{"POST", "/v1/journeys/promo/pause", "", "marketer or owner"},
			{"POST", "/v1/journeys/promo/archive", "", "marketer or owner"},
			{"POST", "/v1/journeys/promo/simulate", `{"userId":"c_0"}`, "marketer or owner"},
			{"DELETE", "/v1/profiles/c_0", "", "owner"},
			{"PATCH", "/v1/workspace", `{"locale":"ja"}`, "owner"},
			{"POST", "/v1/keys", `{"name":"k","role":"write"}`, "developer or owner"},
			{"PUT", "/v1/workspace/approvals", `{"required":true}`, "owner"},
		} {
			status, _, body := s.raw(c.method, c.path, sessionHeaders(session, true), c.body)
			if want := fmt.Sprintf("needs the %s role", c.role); status != http.StatusForbidden || !strings.Contains(detail(body), want) {
				t.Errorf("the analyst's %s %s = %d %v, want 403 saying it %s", c.method, c.path, status, body, want)
			}
		}
		var j struct{ Status string }
		s.call("GET", "/v1/journeys/promo", "admin", nil, http.StatusOK, &j)
		if j.Status != "active" {
			t.Errorf("the journey is %s after the analyst's refused changes", j.Status)
		}
	})
	b.noConsoleErrors(t)
	owner.noConsoleErrors(t)
}
