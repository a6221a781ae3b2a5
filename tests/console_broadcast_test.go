package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// seedBroadcast makes the broadcast the console pages show: a draft with
// an A/B subject test to the segment console_bc.
func (s *stack) seedBroadcast() {
	s.t.Helper()
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": "console_bc", "name": "Console",
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": "console"}}}}, http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "spring", "name": "Spring", "segment": "console_bc", "channel": "email",
		"content": {"subject": "Spring sale", "from": "shop@example.com", "html": "<p>20% off</p>"},
		"abTest": {"variants": [{"name": "A", "subject": "Spring sale"}, {"name": "B", "subject": "Your 20% off ends Sunday"}],
		           "percent": 20, "metric": "opens", "wait": "4h"}}`), http.StatusCreated, nil)
}

// TestBroadcastPagesInChromium: an owner opens a broadcast's page while it
// is scheduled, and its progress bar moves to completion as the workflow
// sends (the page polls the API: it is never reloaded); the new-broadcast
// form draws the API's refusal on the field it names, then creates a
// draft and opens its page.
func TestBroadcastPagesInChromium(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	for i := range 30 {
		u := fmt.Sprintf("bp_%02d", i)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.com", "plan": "console"}}, http.StatusOK, nil)
	}
	s.seedBroadcast()
	eventually(t, 10*time.Second, "the profiles are stored", func() bool {
		var n struct{ Count int }
		s.call("GET", "/v1/segments/console_bc/count", "admin", nil, http.StatusOK, &n)
		return n.Count == 30
	})
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "news", "name": "News", "segment": "console_bc", "channel": "email",
		"content": {"subject": "News", "from": "shop@example.com", "html": "<p>Hello</p>"}}`), http.StatusCreated, nil)

	b := newBrowser(t)
	b.login(t, s, "/ui/broadcasts", s.ownerEmail("default"), "#broadcasts")
	t.Run("TheProgressBarMovesToCompletionWithoutAReload", func(t *testing.T) {
		s.call("POST", "/v1/broadcasts/news/schedule", "admin", map[string]any{"sendAt": time.Now().Add(6 * time.Second).UTC().Format(time.RFC3339)}, http.StatusAccepted, nil)
		b.run(t, chromedp.Navigate(s.url+"/ui/broadcasts/news"), chromedp.WaitVisible("#progress", chromedp.ByID))
		var start float64
		b.run(t, chromedp.Evaluate(`window.notReloaded = true; document.getElementById("progress-bar").value`, &start))
		if b.text(t, "#status") == "" || start != 0 {
			t.Fatalf("the scheduled broadcast's bar starts at %v", start)
		}
		b.run(t, chromedp.WaitVisible(`#status[data-status="completed"]`, chromedp.ByQuery))
		var got struct {
			Value, Max float64
			Kept       bool
			Controls   bool
		}
		b.run(t, chromedp.Evaluate(`({value: document.getElementById("progress-bar").value, max: document.getElementById("progress-bar").max,
			kept: window.notReloaded === true, controls: !document.getElementById("controls").hidden})`, &got))
		if got.Value != 30 || got.Max != 30 || !got.Kept || got.Controls {
			t.Errorf("at the end the bar is %v of %v, the page kept its state: %v, controls shown: %v; want 30 of 30, kept, hidden", got.Value, got.Max, got.Kept, got.Controls)
		}
		if sent := b.text(t, "#p-sent"); sent != "30" {
			t.Errorf("the page shows %s sent, want 30", sent)
		}
	})
	b.noConsoleErrors(t)
	t.Run("TheFormDrawsRefusalsAndCreatesADraft", func(t *testing.T) {
		// A browser of its own: Chromium logs the API's 422 as an error of
		// the page, which is this test's point.
		b := newBrowser(t)
		b.login(t, s, "/ui/broadcasts/new", s.ownerEmail("default"), "#broadcast-form")
		b.run(t, chromedp.Navigate(s.url+"/ui/broadcasts/new"), chromedp.WaitVisible("#broadcast-form", chromedp.ByID),
			chromedp.Evaluate(`document.getElementById("f-source").value = "inline"; document.getElementById("f-when").value = "draft";
				document.getElementById("broadcast-form").dispatchEvent(new Event("change"))`, nil),
			chromedp.SendKeys("#f-name", "Autumn", chromedp.ByID),
			chromedp.SendKeys("#f-subject", "Autumn sale", chromedp.ByID),
			chromedp.SendKeys("#f-from", "not-an-address", chromedp.ByID),
			chromedp.SendKeys("#f-html", "<p>Autumn</p>", chromedp.ByID),
			chromedp.Click("#create-broadcast", chromedp.ByID),
			chromedp.WaitVisible("#err-content\\.from", chromedp.ByQuery))
		var invalid string
		b.run(t, chromedp.AttributeValue("#f-from", "aria-invalid", &invalid, nil, chromedp.ByID))
		if invalid != "true" {
			t.Errorf("the refused field is not marked invalid")
		}
		b.run(t, chromedp.SetValue("#f-from", "shop@example.com", chromedp.ByID), chromedp.Click("#create-broadcast", chromedp.ByID),
			chromedp.WaitVisible(`#status[data-status="draft"]`, chromedp.ByQuery))
		if id := b.text(t, "#broadcast-id"); id != "autumn" {
			t.Errorf("the form opened %q, want the new draft autumn", id)
		}
	})
}
