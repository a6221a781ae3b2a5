package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// promoJourney splits signups between a mail and a control group, holds out
// 30% of them, and counts a purchase within an hour as the goal.
func promoJourney() map[string]any {
	return map[string]any{"id": "promo", "name": "Promo A/B", "definition": map[string]any{
		"entry":   map[string]any{"event": "signup"},
		"holdout": map[string]any{"percent": 30},
		"goal":    map[string]any{"event": "purchase", "window": "1h"},
		"nodes": []any{
			map[string]any{"id": "ab", "kind": "split", "variants": []any{map[string]any{"name": "mail", "weight": 50, "next": "send_mail"}},
				"control": map[string]any{"weight": 50, "next": "wait"}},
			map[string]any{"id": "send_mail", "kind": "send", "channel": "email",
				"template": map[string]any{"subject": "Welcome", "body": "Hello {{ customer.id }}"}, "next": "wait"},
			map[string]any{"id": "wait", "kind": "wait_for", "events": []any{map[string]any{"event": "purchase", "next": "bought"}},
				"timeout": "2s", "on_timeout": "done"},
			map[string]any{"id": "bought", "kind": "exit"},
			map[string]any{"id": "done", "kind": "exit"},
		},
	}}
}

// statsView is the part of GET /v1/journeys/{id}/stats the page shows.
type statsView struct {
	Totals struct {
		Entered, InProgress, Converted int64
	}
	Nodes []struct {
		ID      string
		Entered int64
		Edges   []struct {
			To    string
			Count int64
		}
	}
	Daily []struct {
		Day                      string
		Entered, Sent, Converted int64
	}
}

type experimentsView struct {
	Experiments []struct {
		Kind, Node string
		Result     struct {
			Control struct {
				Name               string
				Entered, Converted int64
			}
			Arms []struct {
				Name               string
				Entered, Converted int64
				PValue             float64
			}
			Winner string
		}
	}
}

// TestReportPagesInChromium runs customers through a journey with a split and
// a holdout on the real stack, then reads the report pages in headless
// Chromium: they load without a console error and show the numbers the API
// returns.
func TestReportPagesInChromium(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", promoJourney(), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/promo/activate", "admin", nil, http.StatusOK, nil)
	const customers = 12
	for i := range customers {
		s.track(fmt.Sprintf("c_%d", i), "signup", fmt.Sprintf("signup-%d", i))
	}
	for i := 0; i < customers; i += 3 {
		s.track(fmt.Sprintf("c_%d", i), "purchase", fmt.Sprintf("purchase-%d", i))
	}
	var stats statsView
	eventually(t, 90*time.Second, "every run to end and report", func() bool {
		s.call("GET", "/v1/journeys/promo/stats", "admin", nil, http.StatusOK, &stats)
		return stats.Totals.Entered == customers && stats.Totals.InProgress == 0
	})
	var exps experimentsView
	s.call("GET", "/v1/journeys/promo/experiments", "admin", nil, http.StatusOK, &exps)
	if len(exps.Experiments) != 2 {
		t.Fatalf("experiments = %+v, want the split and the holdout", exps)
	}

	t.Run("TheCommandPrintsTheSameArms", func(t *testing.T) {
		out, err := s.tabiji("journeys", "experiments", "promo")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for _, e := range exps.Experiments {
			row := fmt.Sprintf("%s (baseline)  %d", e.Result.Control.Name, e.Result.Control.Entered)
			if !strings.Contains(strings.Join(strings.Fields(out), "  "), strings.Join(strings.Fields(row), "  ")) {
				t.Errorf("no %q in\n%s", row, out)
			}
		}
	})

	b := newBrowser(t)
	b.run(t, chromedp.Navigate(s.url+"/ui/journeys/promo"),
		chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", s.ownerEmail("default"), chromedp.ByID),
		chromedp.SendKeys("#password", e2ePassword, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#graph", chromedp.ByID),
		chromedp.WaitReady("#daily-chart canvas", chromedp.ByQuery))
	b.screenshot(t, "journey.png")

	t.Run("TheTotalsAreTheAPIs", func(t *testing.T) {
		for id, want := range map[string]int64{"#kpi-entered": stats.Totals.Entered, "#kpi-converted": stats.Totals.Converted} {
			if got := b.text(t, id); got != strconv.FormatInt(want, 10) {
				t.Errorf("%s shows %q, the API says %d", id, got, want)
			}
		}
	})
	t.Run("TheGraphShowsEachNodesAndEdgesCounts", func(t *testing.T) {
		var nodes map[string]int64
		b.run(t, chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#graph .node')].map(n => [n.dataset.node, +n.dataset.entered]))`, &nodes))
		var edges map[string]int64
		b.run(t, chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#graph .edge')].map(e => [e.dataset.from + '>' + e.dataset.to, +e.dataset.count]))`, &edges))
		if len(stats.Nodes) == 0 {
			t.Fatal("the API has no node counts")
		}
		for _, n := range stats.Nodes {
			if nodes[n.ID] != n.Entered {
				t.Errorf("node %s shows %d entered, the API says %d", n.ID, nodes[n.ID], n.Entered)
			}
			for _, e := range n.Edges {
				if e.To != "" && edges[n.ID+">"+e.To] != e.Count {
					t.Errorf("edge %s→%s shows %d, the API says %d", n.ID, e.To, edges[n.ID+">"+e.To], e.Count)
				}
			}
		}
	})
	t.Run("TheDailySeriesIsTheAPIs", func(t *testing.T) {
		var rows [][]string
		b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#daily-table tbody tr[data-day]')].map(r => [...r.cells].map(c => c.textContent))`, &rows))
		if len(rows) != len(stats.Daily) || len(rows) == 0 {
			t.Fatalf("daily rows %v, API %+v", rows, stats.Daily)
		}
		for i, d := range stats.Daily {
			want := []string{d.Day, strconv.FormatInt(d.Entered, 10), strconv.FormatInt(d.Sent, 10)}
			if rows[i][0] != want[0] || rows[i][1] != want[1] || rows[i][2] != want[2] || rows[i][4] != strconv.FormatInt(d.Converted, 10) {
				t.Errorf("day %d shows %v, the API says %+v", i, rows[i], d)
			}
		}
	})
	t.Run("TheExperimentTablesAreTheAPIs", func(t *testing.T) {
		for _, e := range exps.Experiments {
			sel := fmt.Sprintf(`section.experiment[data-kind=%q][data-node=%q]`, e.Kind, e.Node)
			arms := append([]struct {
				Name               string
				Entered, Converted int64
			}{{e.Result.Control.Name, e.Result.Control.Entered, e.Result.Control.Converted}}, nil...)
			for _, a := range e.Result.Arms {
				arms = append(arms, struct {
					Name               string
					Entered, Converted int64
				}{a.Name, a.Entered, a.Converted})
			}
			for _, a := range arms {
				row := fmt.Sprintf(`%s tr[data-arm=%q]`, sel, a.Name)
				if got := b.text(t, row+" td.entered"); got != strconv.FormatInt(a.Entered, 10) {
					t.Errorf("%s %s entered shows %q, the API says %d", e.Kind, a.Name, got, a.Entered)
				}
				if got := b.text(t, row+" td.converted"); got != strconv.FormatInt(a.Converted, 10) {
					t.Errorf("%s %s converted shows %q, the API says %d", e.Kind, a.Name, got, a.Converted)
				}
			}
			want := e.Result.Winner
			if want == "" {
				want = "none"
			}
			if got := b.text(t, sel+" .winner"); got != want {
				t.Errorf("%s winner shows %q, the API says %q", e.Kind, got, e.Result.Winner)
			}
		}
	})
	t.Run("TheCustomerTimelineShowsTheMessagesAndLinksIntoTheWebUI", func(t *testing.T) {
		var msgs struct {
			Messages []struct{ ID, Status string }
		}
		customer := ""
		for i := range customers {
			s.call("GET", fmt.Sprintf("/v1/messages?customer=c_%d", i), "admin", nil, http.StatusOK, &msgs)
			if len(msgs.Messages) > 0 {
				customer = fmt.Sprintf("c_%d", i)
				break
			}
		}
		if customer == "" {
			t.Fatal("no customer was sent or skipped a message")
		}
		b.run(t, chromedp.Navigate(s.url+"/ui/customers/"+customer), chromedp.WaitVisible("#timeline", chromedp.ByID))
		b.screenshot(t, "customer.png")
		var statuses []string
		b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#timeline tr[data-kind=message] td.status')].map(c => c.textContent)`, &statuses))
		if len(statuses) != len(msgs.Messages) {
			t.Fatalf("the timeline shows %d messages (%v), the API %d", len(statuses), statuses, len(msgs.Messages))
		}
		for i, m := range msgs.Messages {
			if statuses[i] != m.Status {
				t.Errorf("message %s shows %q, the API says %q", m.ID, statuses[i], m.Status)
			}
		}
		var links []string
		b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#runs a.web-ui')].map(a => a.href)`, &links))
		if len(links) != 1 || !strings.HasPrefix(links[0], "http://ui.test/namespaces/") {
			t.Errorf("Web UI links %v, want the customer's one run", links)
		}
		var steps int
		b.run(t, chromedp.Evaluate(`document.querySelectorAll('#timeline tr[data-kind=step]').length`, &steps))
		if steps < 3 {
			t.Errorf("the timeline shows %d journey steps, want the run's (split, …, exit)", steps)
		}
	})
	b.noConsoleErrors(t)
}

// browser is a headless Chromium driven over the DevTools protocol, which
// keeps every console error and uncaught exception of its pages.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("no chromium on PATH: run deploy/install-chromium.sh (make test does)")
	}
	// No UserDataDir: chromedp makes the profile directory and removes it
	// once Chromium has exited. A t.TempDir() failed the test now and then,
	// when Chromium's helper processes were still writing to it as the
	// test's cleanup removed it ("directory not empty").
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 1600),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// A bound on the whole browser session, against a hang: the console
	// test walks 30 pages in two languages with axe-core, which took up to
	// 135 s at a load of 50, so 3 minutes had become a flake.
	tctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &browser{ctx: tctx}
	chromedp.ListenTarget(tctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				b.errors = append(b.errors, fmt.Sprintf("console.error: %v", ev.Args))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.LevelError {
				b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	b.run(t, chromedp.ActionFunc(func(ctx context.Context) error { return cdplog.Enable().Do(ctx) }))
	return b
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	var s string
	b.run(t, chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.AtLeast(0)))
	return strings.TrimSpace(s)
}

// screenshot keeps a picture of the page in TABIJI_SCREENSHOTS, when set.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("TABIJI_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	b.run(t, chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (b *browser) noConsoleErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(b.errors, "\n"))
	}
}

// noConsoleErrorsBut is noConsoleErrors leaving out the errors that
// mention expected (the browser logs every 4xx answer it fetched).
func (b *browser) noConsoleErrorsBut(t *testing.T, expected string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var left []string
	for _, e := range b.errors {
		if !strings.Contains(e, expected) {
			left = append(left, e)
		}
	}
	if len(left) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(left, "\n"))
	}
}
