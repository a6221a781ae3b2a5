package tests

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// seedQuarantine defines order_completed (a required number total,
// quarantined when broken) and sends, through /v1/track, a call for each
// of ids that breaks it: the first with total as a string, the others
// without it. The console pages' tests open the first.
func seedQuarantine(s *stack, ids ...string) {
	s.t.Helper()
	s.call("POST", "/v1/taxonomy/events", "admin", map[string]any{"name": "order_completed", "onInvalid": "quarantine",
		"properties": []any{map[string]any{"name": "total", "type": "number", "required": true}}}, http.StatusCreated, nil)
	for i, id := range ids {
		props := map[string]any{"currency": "JPY"}
		if i == 0 {
			props["total"] = "4800"
		}
		var res map[string]any
		s.call("POST", "/v1/track", "write", map[string]any{"userId": "buyer_" + id, "event": "order_completed",
			"messageId": id, "properties": props}, http.StatusOK, &res)
	}
}

// quarantineIDs lists the message ids GET /v1/quarantine answers in the order.
func quarantineIDs(s *stack, order string) []string {
	s.t.Helper()
	var list struct{ Events []struct{ MessageID string } }
	s.call("GET", "/v1/quarantine?order="+order, "admin", nil, http.StatusOK, &list)
	var ids []string
	for _, e := range list.Events {
		ids = append(ids, e.MessageID)
	}
	return ids
}

// TestQuarantinePageInChromium: calls the taxonomy quarantines, sent
// through /v1/track, are listed newest first on /ui/data/quarantine in
// Japanese with their reason and received time in the workspace's zone; a
// developer opens one, sees the API's field error drawn at the payload,
// fixes it, replays it and sees it stored (the customer's events through
// the API have it); replays another unfixed and sees it quarantined again
// with its reason; drops it after the confirmation dialog (the API
// answers 404 after). A marketer reads the call but has no control, and
// the API refuses their fix.
func TestQuarantinePageInChromium(t *testing.T) {
	s := startStack(t)
	s.call("PATCH", "/v1/workspace", "admin", map[string]any{"locale": "ja", "timezone": "Asia/Tokyo"}, http.StatusOK, nil)
	seedQuarantine(s, "q-order-1", "q-order-2")
	if got := quarantineIDs(s, "newest"); !slices.Equal(got, []string{"q-order-2", "q-order-1"}) {
		t.Fatalf("GET /v1/quarantine?order=newest = %v", got)
	}
	if status, _, body := s.raw("GET", "/v1/quarantine?order=sideways", map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != http.StatusBadRequest || problemField(body) != "order" {
		t.Errorf("order=sideways = %d %v, want 400 naming order", status, body)
	}
	const developer, marketer = "dev@example.com", "mkt@example.com"
	s.person("default", developer, "developer")
	s.person("default", marketer, "marketer")
	b := newBrowser(t)
	b.login(t, s, "/ui/data/quarantine", developer, "#quarantine")

	t.Run("ListsNewestFirstWithReasonsInTheReadersLanguage", func(t *testing.T) {
		if got := b.strings(t, `[...document.querySelectorAll('#quarantine tr[data-message]')].map(r => r.dataset.message)`); !slices.Equal(got, []string{"q-order-2", "q-order-1"}) {
			t.Errorf("the list shows %v, want newest first", got)
		}
		row := `#quarantine tr[data-message="q-order-1"] `
		if got := b.text(t, row+`li[data-field="properties.total"][data-rule="type"] .rule`); got != "型が違う" {
			t.Errorf("q-order-1's reason reads %q, want 型が違う", got)
		}
		if got := b.text(t, `#quarantine tr[data-message="q-order-2"] li[data-field="properties.total"][data-rule="required"] .rule`); got != "必須の値がない" {
			t.Errorf("q-order-2's reason reads %q", got)
		}
		if got := b.text(t, row+"td:first-child a"); !strings.HasSuffix(got, "JST") {
			t.Errorf("the received time %q is not in the workspace's zone", got)
		}
		if got := b.text(t, row+"code"); got != "order_completed" {
			t.Errorf("the event reads %q", got)
		}
		if got := b.text(t, row+".qid code"); got != "buyer_q-order-1" {
			t.Errorf("the ids read %q", got)
		}
	})

	t.Run("FixReplayAndSeeItStored", func(t *testing.T) {
		b.run(t, chromedp.Click(`#quarantine tr[data-message="q-order-1"] td:first-child a`, chromedp.ByQuery),
			chromedp.WaitVisible(`#quarantined[data-ready="1"]`, chromedp.ByQuery))
		// A payload the API refuses: its error is drawn at the payload, naming the field.
		b.editPayload(t, `.replace('"userId": "buyer_q-order-1"', '"userId": 5')`)
		b.run(t, chromedp.Click("#q-save", chromedp.ByID),
			chromedp.WaitVisible(`#q-field-errors li[data-field="userId"]`, chromedp.ByQuery))
		if got := b.strings(t, `[document.getElementById('q-payload').getAttribute('aria-invalid')]`); !slices.Equal(got, []string{"true"}) {
			t.Errorf("the refused payload is not marked invalid: %v", got)
		}
		b.editPayload(t, `.replace('"userId": 5', '"userId": "buyer_q-order-1"').replace('"total": "4800"', '"total": 4800')`)
		b.run(t, chromedp.Click("#q-save", chromedp.ByID),
			chromedp.WaitVisible(`#q-status[data-status="fixed"]`, chromedp.ByQuery))
		if n := b.strings(t, `[...document.querySelectorAll('#q-reasons li[data-rule], #q-field-errors li')].map(e => e.textContent)`); len(n) != 0 {
			t.Errorf("after the fix the page still shows %v", n)
		}
		b.run(t, chromedp.Click("#q-replay", chromedp.ByID),
			chromedp.WaitVisible(`#quarantined[data-verdict="stored"] #q-verdict`, chromedp.ByQuery))
		if got := b.text(t, "#q-status"); got != "保存済み" {
			t.Errorf("the status after the replay reads %q", got)
		}
		if status, _, _ := s.raw("GET", "/v1/quarantine/q-order-1", map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != http.StatusNotFound {
			t.Errorf("the replayed call is still in quarantine: %d", status)
		}
		var events struct {
			Events []struct {
				MessageID  string
				Properties json.RawMessage
			}
		}
		s.call("GET", "/v1/profiles/buyer_q-order-1/events", "admin", nil, http.StatusOK, &events)
		if len(events.Events) != 1 || events.Events[0].MessageID != "q-order-1" || !strings.Contains(string(events.Events[0].Properties), `"total": 4800`) &&
			!strings.Contains(string(events.Events[0].Properties), `"total":4800`) {
			t.Errorf("the customer's events after the replay: %+v", events.Events)
		}
	})

	t.Run("ReplayUnfixedStaysWithItsReasonThenDropWithConfirmation", func(t *testing.T) {
		b.run(t, chromedp.Navigate(s.url+"/ui/data/quarantine/q-order-2"), chromedp.WaitVisible(`#quarantined[data-ready="1"]`, chromedp.ByQuery),
			chromedp.Click("#q-replay", chromedp.ByID),
			chromedp.WaitVisible(`#quarantined[data-verdict="quarantined"] #q-verdict`, chromedp.ByQuery))
		if got := b.text(t, `#q-reasons li[data-field="properties.total"][data-rule="required"] .rule`); got != "必須の値がない" {
			t.Errorf("the replay's new reason reads %q", got)
		}
		// Cancelling the dialog keeps it.
		b.run(t, chromedp.Click("#q-drop", chromedp.ByID), chromedp.WaitVisible("#q-drop-dialog", chromedp.ByID),
			chromedp.Click("#q-drop-cancel", chromedp.ByID), chromedp.WaitNotVisible("#q-drop-dialog", chromedp.ByID))
		if got := quarantineIDs(s, "oldest"); !slices.Equal(got, []string{"q-order-2"}) {
			t.Fatalf("after cancelling the quarantine holds %v", got)
		}
		b.run(t, chromedp.Click("#q-drop", chromedp.ByID), chromedp.WaitVisible("#q-drop-dialog", chromedp.ByID),
			chromedp.Click("#q-drop-confirm", chromedp.ByID),
			chromedp.WaitVisible(`#quarantined[data-verdict="dropped"] #q-verdict`, chromedp.ByQuery))
		if status, _, _ := s.raw("GET", "/v1/quarantine/q-order-2", map[string]string{"Authorization": "Bearer " + s.admin}, ""); status != http.StatusNotFound {
			t.Errorf("GET the dropped call = %d, want 404", status)
		}
		b.screenshot(t, "quarantine-dropped.png")
	})

	t.Run("AMarketerReadsButCannotChange", func(t *testing.T) {
		seedQuarantineCall(s, "q-order-3")
		m := newBrowser(t)
		m.login(t, s, "/ui/data/quarantine/q-order-3", marketer, `#quarantined[data-ready="1"]`)
		if got := m.strings(t, `[...document.querySelectorAll('#q-save, #q-replay, #q-drop')].map(e => e.id)`); len(got) != 0 {
			t.Errorf("the marketer sees %v", got)
		}
		if got := m.strings(t, `[String(document.getElementById('q-payload').readOnly)]`); !slices.Equal(got, []string{"true"}) {
			t.Errorf("the marketer's payload is not read-only: %v", got)
		}
		m.noConsoleErrors(t)
		session := s.consoleLogin(marketer, e2ePassword)
		status, _, body := s.raw("POST", "/v1/quarantine/q-order-3/replay", sessionHeaders(session, true), "")
		if status != http.StatusForbidden || !strings.Contains(detail(body), "needs the developer or owner role") {
			t.Errorf("the marketer's replay = %d %v, want 403 naming the roles", status, body)
		}
	})
	b.noConsoleErrorsBut(t, "status of 4")
}

// seedQuarantineCall sends one more order_completed without its total.
func seedQuarantineCall(s *stack, id string) {
	s.t.Helper()
	s.call("POST", "/v1/track", "write", map[string]any{"userId": "buyer_" + id, "event": "order_completed",
		"messageId": id, "properties": map[string]any{"currency": "JPY"}}, http.StatusOK, nil)
}

// editPayload changes the quarantined call's payload by a JavaScript
// string expression applied to it (".replace(…)") and tells the page.
func (b *browser) editPayload(t *testing.T, change string) {
	t.Helper()
	b.run(t, chromedp.Evaluate(`(() => { const p = document.getElementById('q-payload'); p.value = p.value`+change+
		`; p.dispatchEvent(new Event('input')); })()`, nil))
}
