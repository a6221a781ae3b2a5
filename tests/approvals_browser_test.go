package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestApprovalInChromium is approval before going live in headless
// Chromium on the real stack: with approvals required, a marketer
// activates a journey and its page says the activation waits, linking to
// the request (the journey stays a draft), as a launch from the gallery does; an owner approves it on the
// approvals page with a comment and the journey is active; another
// activation the owner rejects with a comment, which the marketer reads on
// the journey page; the owner's audit page shows both names.
func TestApprovalInChromium(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	const marketer = "mika@example.com"
	s.person("default", marketer, "marketer")
	owner := s.ownerEmail("default")
	s.call("PUT", "/v1/workspace/approvals", "admin", map[string]any{"required": true}, http.StatusOK, nil)
	for _, id := range []string{"apv_ok", "apv_no"} {
		s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": "Welcome " + id, "definition": map[string]any{
			"entry": map[string]any{"event": id + "_signup"}, "nodes": []any{
				map[string]any{"id": "hello", "kind": "send", "channel": "email", "template": map[string]any{"subject": "ようこそ", "body": "ご登録ありがとうございます"}, "next": "done"},
				map[string]any{"id": "done", "kind": "exit"}}}}, http.StatusCreated, nil)
	}
	status := func(id string) string {
		var j struct{ Status string }
		s.call("GET", "/v1/journeys/"+id, "admin", nil, http.StatusOK, &j)
		return j.Status
	}

	m := newBrowser(t)
	m.login(t, s, "/ui/journeys/apv_ok", marketer, "#graph")
	for _, id := range []string{"apv_ok", "apv_no"} {
		m.run(t, chromedp.Navigate(s.url+"/ui/journeys/"+id), chromedp.WaitVisible("#activate", chromedp.ByID),
			chromedp.Evaluate(`window.confirm = () => true`, nil),
			chromedp.Click("#activate", chromedp.ByID),
			chromedp.WaitVisible("#approval-requested", chromedp.ByID))
		var href string
		m.run(t, chromedp.AttributeValue("#approval-requested-link", "href", &href, nil, chromedp.ByID))
		if !strings.Contains(href, "/ui/approvals#apr_") {
			t.Errorf("%s: the notice links to %q, not the request", id, href)
		}
		if got := status(id); got != "draft" {
			t.Errorf("%s is %s while its activation waits", id, got)
		}
		// Opened again, the page says who asked, and offers no second activation.
		m.run(t, chromedp.Reload(), chromedp.WaitVisible(`#approval-state[data-state="pending"]`, chromedp.ByQuery))
		if text := m.text(t, "#approval-state"); !strings.Contains(text, marketer) {
			t.Errorf("%s: the pending state %q does not name the requester", id, text)
		}
		if n := m.strings(t, `[...document.querySelectorAll('#activate')].map(e => e.id)`); len(n) != 0 {
			t.Errorf("%s: the page still offers to activate while the request waits", id)
		}
	}
	t.Run("ALaunchFromTheGalleryWaitsToo", func(t *testing.T) {
		m.run(t, chromedp.Navigate(s.url+"/ui/templates/cart-abandonment"), chromedp.WaitReady(`#launch-form[data-ready="1"]`, chromedp.ByQuery),
			chromedp.SendKeys("#f-id", "cart_apv", chromedp.ByID),
			chromedp.Click("#launch", chromedp.ByID),
			chromedp.WaitVisible(`#approval-state[data-state="pending"]`, chromedp.ByQuery))
		if id := m.text(t, "#journey-id"); id != "cart_apv" {
			t.Errorf("the launch opened journey %q", id)
		}
		if n := m.strings(t, `[...document.querySelectorAll('#launched')].map(e => e.id)`); len(n) != 0 {
			t.Errorf("the page says the journey is live while it waits")
		}
		if got := status("cart_apv"); got != "draft" {
			t.Errorf("the launched journey is %s while its activation waits", got)
		}
	})
	m.run(t, chromedp.Navigate(s.url+"/ui/approvals"), chromedp.WaitVisible("#pending", chromedp.ByID))
	if n := m.strings(t, `[...document.querySelectorAll('.approval-approve')].map(e => e.dataset.approval)`); len(n) != 0 {
		t.Errorf("the requester may approve their own requests: %v", n)
	}

	o := newBrowser(t)
	o.login(t, s, "/ui/approvals", owner, "#pending")
	decide := func(id, action, comment string) {
		t.Helper()
		state := map[string]string{"approve": "approved", "reject": "rejected"}[action]
		row := `#pending tr[data-approval]:has(a[href="/ui/journeys/` + id + `"])`
		o.run(t, chromedp.WaitVisible(row+" textarea", chromedp.ByQuery),
			chromedp.SendKeys(row+" textarea", comment, chromedp.ByQuery),
			chromedp.Click(row+" .approval-"+action, chromedp.ByQuery),
			chromedp.WaitVisible(`#decided tr[data-state="`+state+`"]:has(a[href="/ui/journeys/`+id+`"])`, chromedp.ByQuery))
	}
	t.Run("TheOwnerApprovesWithAComment", func(t *testing.T) {
		decide("apv_ok", "approve", "LGTM 配信OKです")
		if got := status("apv_ok"); got != "active" {
			t.Errorf("apv_ok is %s once approved", got)
		}
		if text := o.text(t, `#decided tr[data-state="approved"] .comment`); text != "LGTM 配信OKです" {
			t.Errorf("the decided request's comment is %q", text)
		}
	})
	t.Run("TheRequesterReadsTheRejection", func(t *testing.T) {
		decide("apv_no", "reject", "件名を見直してください")
		if got := status("apv_no"); got != "draft" {
			t.Errorf("apv_no is %s once rejected", got)
		}
		m.run(t, chromedp.Navigate(s.url+"/ui/journeys/apv_no"), chromedp.WaitVisible(`#approval-state[data-state="rejected"]`, chromedp.ByQuery))
		if text := m.text(t, "#approval-state"); !strings.Contains(text, owner) || !strings.Contains(text, "件名を見直してください") {
			t.Errorf("the rejection %q does not name the owner and their comment", text)
		}
		if n := m.strings(t, `[...document.querySelectorAll('#activate')].map(e => e.id)`); len(n) != 1 {
			t.Errorf("a rejected journey cannot be asked again")
		}
	})
	t.Run("TheAuditPageShowsBothNames", func(t *testing.T) {
		o.run(t, chromedp.Navigate(s.url+"/ui/audit"), chromedp.WaitVisible("#audit-filter", chromedp.ByID),
			chromedp.SendKeys("#f-resource", "approvals", chromedp.ByID),
			chromedp.SendKeys("#f-action", "approve", chromedp.ByID),
			chromedp.Click("#audit-apply", chromedp.ByID),
			// The filtered page, sent by the server, has the filter's values as attributes.
			chromedp.WaitVisible(`#f-action[value="approve"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#audit tr[data-action="approve"]`, chromedp.ByQuery))
		if n := o.strings(t, `[...document.querySelectorAll('#audit tr[data-record]')].map(e => e.dataset.action)`); len(n) != 1 {
			t.Errorf("the filter lists %v, want the one approval", n)
		}
		row := `#audit tr[data-action="approve"]`
		if who := o.text(t, row+" .actor"); who != owner {
			t.Errorf("the approval's actor is %q, want %s", who, owner)
		}
		if got := o.text(t, row+" .requester"); !strings.Contains(got, marketer) {
			t.Errorf("the approval's record names the requester as %q", got)
		}
		if got := o.text(t, row+" .approver"); !strings.Contains(got, owner) {
			t.Errorf("the approval's record names the approver as %q", got)
		}
		var csv string
		o.run(t, chromedp.AttributeValue("#audit-csv", "href", &csv, nil, chromedp.ByID))
		if !strings.Contains(csv, "/v1/audit.csv?") || !strings.Contains(csv, "resource=approvals") || !strings.Contains(csv, "action=approve") {
			t.Errorf("the CSV link %q does not carry the filters", csv)
		}
		// The marketer's own activation request is in the log under their name.
		o.run(t, chromedp.Navigate(s.url+"/ui/audit?resource=journeys&action=activate&actor="+marketer),
			chromedp.WaitVisible(`#audit tr[data-action="activate"]`, chromedp.ByQuery))
		if who := o.text(t, `#audit tr[data-action="activate"] .actor`); who != marketer {
			t.Errorf("the activation's actor is %q, want %s", who, marketer)
		}
	})
	t.Run("TheAnalystCannotBeTheApproverRole", func(t *testing.T) {
		// Settings offers no analyst; a form that sends one anyway (an old
		// page, a crafted request) gets the API's 422 drawn at the field.
		o.run(t, chromedp.Navigate(s.url+"/ui/settings"), chromedp.WaitVisible("#approvals-form", chromedp.ByID))
		if roles := o.strings(t, `[...document.querySelectorAll('#approvals-role option')].map(o => o.value)`); slices.Contains(roles, "analyst") {
			t.Errorf("the settings offer the analyst as approver role: %v", roles)
		}
		o.run(t, chromedp.Evaluate(`(() => { const s = document.getElementById('approvals-role'); s.add(new Option('analyst', 'analyst')); s.value = 'analyst'; })()`, nil),
			chromedp.Click("#approvals-save", chromedp.ByID),
			chromedp.WaitVisible("#err-approverRole", chromedp.ByID))
		if text := o.text(t, "#err-approverRole"); !strings.Contains(text, "analyst") {
			t.Errorf("the field says %q, want the refusal of the analyst", text)
		}
		var rule struct{ ApproverRole string }
		s.call("GET", "/v1/workspace/approvals", "admin", nil, http.StatusOK, &rule)
		if rule.ApproverRole != "owner" {
			t.Errorf("the approver role is %q after the refusal", rule.ApproverRole)
		}
	})
	m.noConsoleErrors(t)
	o.noConsoleErrorsBut(t, "status of 422 (Unprocessable Entity) "+s.url+"/v1/workspace/approvals")
}
