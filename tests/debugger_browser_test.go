package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEventDebuggerInChromium: a developer opens the event debugger, then
// calls sent through /v1/track and /v1/batch — one stored, one duplicate,
// one rejected, one quarantined — appear with their verdicts without a
// reload; paused, the page shows no new call until it resumes; a row's
// details show the payload as sent.
func TestEventDebuggerInChromium(t *testing.T) {
	s := startStack(t)
	s.call("PUT", "/v1/taxonomy", "admin", map[string]any{"unknownEvents": "allow", "events": []any{
		map[string]any{"name": "order_completed", "onInvalid": "quarantine",
			"properties": []any{map[string]any{"name": "total", "type": "number", "required": true}}},
		map[string]any{"name": "plan_changed", "onInvalid": "reject",
			"properties": []any{map[string]any{"name": "plan", "type": "string", "required": true}}},
	}}, http.StatusOK, nil)
	const developer = "dev@example.com"
	s.person("default", developer, "developer")
	b := newBrowser(t)
	b.login(t, s, "/ui/data/debugger", developer, `#debugger[data-ready="1"]`)
	if rows := b.strings(t, `[...document.querySelectorAll('#debugger-rows tr')].map(r => r.dataset.cursor)`); len(rows) != 0 || b.hidden(t, "#debugger-empty") {
		t.Fatalf("before any call the debugger shows %v and no word that it has none", rows)
	}

	post := func(path, body string, want int) {
		t.Helper()
		if status, _, p := s.raw("POST", path, writeKey(s.write), body); status != want {
			t.Fatalf("POST %s = %d %v, want %d", path, status, p, want)
		}
	}
	post("/v1/track", `{"userId":"dbg_1","event":"signup","messageId":"dbg-stored","properties":{"source":"debugger-test"},`+
		`"context":{"library":{"name":"analytics.js","version":"5.2.0"}}}`, http.StatusOK)
	post("/v1/batch", `{"batch":[{"type":"track","userId":"dbg_1","event":"signup","messageId":"dbg-stored"},`+
		`{"type":"track","userId":"dbg_1","event":"order_completed","messageId":"dbg-held","properties":{}},`+
		`{"type":"track","userId":"dbg_1","event":"plan_changed","messageId":"dbg-refused","properties":{}}]}`, http.StatusUnprocessableEntity)

	verdicts := `[...document.querySelectorAll('#debugger-rows tr.call')].map(r => r.dataset.messageId + "=" + r.dataset.verdict).join(" ")`
	want := "dbg-refused=rejected dbg-held=quarantined dbg-stored=duplicate dbg-stored=stored"
	b.waitJS(t, "the four calls with their verdicts", verdicts+` === "`+want+`"`)
	if got := b.text(t, `#debugger-rows tr[data-message-id="dbg-refused"] .reason`); !strings.Contains(got, "properties.plan: required") {
		t.Errorf("the rejected call's reason is %q, want the field at fault", got)
	}
	if got := b.text(t, `#debugger-rows tr[data-message-id="dbg-held"] a.to-quarantine`); got == "" {
		t.Error("the quarantined call has no way to the quarantine page")
	}
	badges := b.strings(t, `[...document.querySelectorAll('#debugger-rows .badge')].map(e => e.textContent)`)
	if !slices.Equal(badges, []string{"Rejected", "Quarantined", "Duplicate", "Stored"}) {
		t.Errorf("badges %v", badges)
	}
	stored := `#debugger-rows tr[data-verdict="stored"]`
	if src := b.text(t, stored+" td:nth-child(6)"); !strings.Contains(src, "e2e write") || !strings.Contains(src, "analytics.js 5.2.0") {
		t.Errorf("the stored call's source is %q, want the key's name and the library", src)
	}
	b.run(t, chromedp.Click(stored+" details summary", chromedp.ByQuery), chromedp.WaitVisible(stored+" pre.payload", chromedp.ByQuery))
	if payload := b.text(t, stored+" pre.payload"); !strings.Contains(payload, "debugger-test") {
		t.Errorf("the stored call's payload is %q", payload)
	}

	// Paused, a new call is not drawn; resumed, it is.
	b.run(t, chromedp.Click("#debugger-pause", chromedp.ByID))
	// Once paused with no request in flight, nothing asks for new calls.
	b.waitJS(t, "the pause", `document.getElementById("debugger").dataset.paused === "1" && document.getElementById("debugger").dataset.polling !== "1"`)
	post("/v1/track", `{"userId":"dbg_2","event":"signup","messageId":"dbg-later"}`, http.StatusOK)
	var cursor string
	s.call("GET", "/v1/events/recent?limit=1", "admin", nil, http.StatusOK, &struct{ Cursor *string }{&cursor})
	if got := b.text(t, "#debugger-state"); !strings.Contains(got, "Paused") {
		t.Errorf("the paused page says %q", got)
	}
	if n := b.strings(t, `[...document.querySelectorAll('#debugger-rows tr[data-message-id="dbg-later"]')].map(r => r.id)`); len(n) != 0 {
		t.Error("a paused debugger drew a new call")
	}
	b.run(t, chromedp.Click("#debugger-pause", chromedp.ByID))
	b.waitJS(t, "the call sent while paused", `document.querySelector('#debugger-rows tr.call').dataset.messageId === "dbg-later" && document.getElementById("debugger").dataset.cursor === "`+cursor+`"`)
	b.noConsoleErrors(t)
	b.screenshot(t, "debugger.png")
}
