package tests

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// changeControls lists the page's enabled, visible controls that could
// change something: every button, input, select and text area but those
// known to only read or to be the reader's own (the language switch,
// logging out, the canvas's zoom, settings panel and version to compare with, the
// event debugger's pause, read-only fields), and the fields of forms that only GET a page.
const changeControls = `[...document.querySelectorAll('button, input:not([type=hidden]), select, textarea')]
	.filter(e => !e.matches(':disabled') && !e.readOnly && e.getClientRects().length > 0)
	.filter(e => !e.closest('form[method=get]') && !e.closest('form[action="/ui/logout"]'))
	.filter(e => !['lang-switch', 'versions-load', 'print', 'settings-open', 'zoom-in', 'zoom-out', 'zoom-fit', 'diff-version', 'debugger-pause'].includes(e.id))
	.map(e => e.outerHTML.slice(0, 120))`

// ownersPages are the console pages only an owner opens: another role gets
// a page saying so (403).
var ownersPages = map[string]bool{"people": true, "audit": true}

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
	s.awaitingApproval()
	seedConsoleSegment(s)
	s.seedBroadcast()
	seedQuarantine(s, "q-console-1")
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
	if nav := b.strings(t, `[...document.querySelectorAll('#nav-audit, #nav-approvals')].map(a => a.id)`); len(nav) != 1 || nav[0] != "nav-approvals" {
		t.Errorf("the analyst's navigation has %v, want approvals and no audit log", nav)
	}
	analystSession := s.consoleLogin(analyst, e2ePassword)
	ownersControls := 0
	for _, p := range consolePages {
		t.Run(p.name, func(t *testing.T) {
			if ownersPages[p.name] {
				// Asked outside the browser, which would log the 403 as an error.
				req, _ := http.NewRequest(http.MethodGet, s.url+p.path, nil)
				req.Header.Set("Cookie", "tabiji_session="+analystSession)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
					!strings.Contains(string(page), "needs the Owner role; your role in this workspace is Analyst") || strings.Contains(string(page), `id="nav-`) {
					t.Errorf("the analyst's %s = %d %s, want a 403 page saying it needs the owner role, without the console's navigation", p.path, resp.StatusCode, page)
				}
			} else {
				b.run(t, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
				if got := b.strings(t, changeControls); len(got) > 0 {
					t.Errorf("the analyst sees %d controls that change something:\n%s", len(got), strings.Join(got, "\n"))
				}
				b.screenshot(t, "analyst-"+p.name+".png")
			}
			owner.run(t, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(p.ready, chromedp.ByQuery))
			ownersControls += len(owner.strings(t, changeControls))
		})
	}
	if ownersControls == 0 {
		t.Error("the owner sees no control that changes something either: the check checks nothing")
	}

	t.Run("TheAPIRefusesEachChangeNamingTheRole", func(t *testing.T) {
		session := analystSession
		var pending struct{ Approvals []struct{ ID string } }
		s.call("GET", "/v1/approvals?state=pending", "admin", nil, http.StatusOK, &pending)
		if len(pending.Approvals) != 1 {
			t.Fatalf("pending approvals: %+v", pending)
		}
		for _, c := range []struct{ method, path, body, role string }{
			{"POST", "/v1/approvals/" + pending.Approvals[0].ID + "/approve", `{"comment":"ok"}`, "marketer or developer or owner"},
			{"POST", "/v1/journey-templates/cart-abandonment/launch", `{"id":"by_analyst"}`, "marketer or owner"},
			{"POST", "/v1/journeys/promo/pause", "", "marketer or owner"},
			{"POST", "/v1/journeys/promo/archive", "", "marketer or owner"},
			{"POST", "/v1/journeys/promo/simulate", `{"userId":"c_0"}`, "marketer or owner"},
			{"PUT", "/v1/journeys/promo", `{"definition":{"entry":{"event":"signup"},"nodes":[{"id":"x","kind":"exit"}]}}`, "marketer or owner"},
			{"PUT", "/v1/journeys/promo/layout", `{"version":1,"nodes":{}}`, "marketer or owner"},
			{"DELETE", "/v1/profiles/c_0", "", "owner"},
			{"PATCH", "/v1/workspace", `{"locale":"ja"}`, "owner"},
			{"POST", "/v1/keys", `{"name":"k","role":"write"}`, "developer or owner"},
			{"PUT", "/v1/workspace/approvals", `{"required":true}`, "owner"},
			{"PUT", "/v1/segments/buyers", `{"definition":{"condition":{"tag":"x"}}}`, "marketer or owner"},
			{"POST", "/v1/segments/preview", `{"definition":{"condition":{"tag":"x"}}}`, "marketer or owner"},
			{"POST", "/v1/broadcasts", `{"name":"x","segment":"console_bc","channel":"email","content":{"subject":"s","from":"a@example.com","html":"x"}}`, "marketer or owner"},
			{"POST", "/v1/broadcasts/spring/schedule", "", "marketer or owner"},
			{"POST", "/v1/broadcasts/spring/cancel", "", "marketer or owner"},
			{"PUT", "/v1/quarantine/q-console-1", `{"type":"track","userId":"x","event":"order_completed"}`, "developer or owner"},
			{"POST", "/v1/quarantine/q-console-1/replay", "", "developer or owner"},
			{"DELETE", "/v1/quarantine/q-console-1", "", "developer or owner"},
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
