package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// seedAudience stores n customers with an email address in the segment id.
func (s *stack) seedAudience(id string, n int) {
	s.t.Helper()
	for i := range n {
		u := fmt.Sprintf("%s_%02d", id, i)
		s.call("POST", "/v1/identify", "write", map[string]any{"userId": u, "messageId": "id-" + u,
			"traits": map[string]any{"email": u + "@example.com", "plan": id}}, http.StatusOK, nil)
	}
	s.call("POST", "/v1/segments", "admin", map[string]any{"id": id, "name": id,
		"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "plan", "op": "eq", "value": id}}}}, http.StatusCreated, nil)
	eventually(s.t, 10*time.Second, "the profiles are stored", func() bool {
		var c struct{ Count int }
		s.call("GET", "/v1/segments/"+id+"/count", "admin", nil, http.StatusOK, &c)
		return c.Count == n
	})
}

// TestBroadcastPauseDuringTheTestInChromium: an owner pauses an A/B
// broadcast on its page while the test waits an hour for its winner; the
// page (and the API) says paused at once, then sending when resumed, then
// cancelled, each within a few seconds, long before the wait ends.
func TestBroadcastPauseDuringTheTestInChromium(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.seedAudience("abpause", 20)
	s.call("POST", "/v1/broadcasts", "admin", json.RawMessage(`{"id": "hold", "name": "Hold", "segment": "abpause", "channel": "email",
		"content": {"subject": "Sale", "from": "shop@example.com", "html": "<p>Sale</p>"},
		"abTest": {"variants": [{"name": "A", "subject": "Sale"}, {"name": "B", "subject": "Sale ends Sunday"}],
		           "percent": 50, "metric": "opens", "wait": "1h"}}`), http.StatusCreated, nil)
	s.call("POST", "/v1/broadcasts/hold/schedule", "admin", nil, http.StatusAccepted, nil)
	status := func() string {
		var b struct {
			Status string
			Live   *struct{ Test string }
		}
		s.call("GET", "/v1/broadcasts/hold", "admin", nil, http.StatusOK, &b)
		if b.Live != nil && b.Live.Test != "waiting" {
			return b.Status + " (test " + b.Live.Test + ")"
		}
		return b.Status
	}
	eventually(t, 30*time.Second, "the test share is sent and the wait begins", func() bool { return status() == "sending" })

	b := newBrowser(t)
	b.login(t, s, "/ui/broadcasts/hold", s.ownerEmail("default"), "#progress")
	b.run(t, chromedp.Evaluate(`window.confirm = () => true`, nil))
	for _, step := range []struct{ button, want string }{{"#pause", "paused"}, {"#resume", "sending"}, {"#cancel", "cancelled"}} {
		began := time.Now()
		b.run(t, chromedp.Click(step.button, chromedp.ByID),
			chromedp.WaitVisible(`#status[data-status="`+step.want+`"]`, chromedp.ByQuery))
		if got := status(); got != step.want {
			t.Fatalf("after %s the API says %q; want %s", step.button, got, step.want)
		}
		t.Logf("%s shown %s after the click", step.want, time.Since(began).Round(time.Millisecond))
	}
	var hidden bool
	b.run(t, chromedp.Evaluate(`document.getElementById("controls").hidden`, &hidden))
	if !hidden {
		t.Errorf("the controls stay offered on a cancelled broadcast")
	}
	b.noConsoleErrors(t)
}

// TestBroadcastApprovalShownWhenReopenedInChromium: with approvals
// required, a marketer creates and schedules a broadcast with the form;
// its page, opened again later, says who asked and when, with the send
// time asked and a link to the request on /ui/approvals; rejected by the
// owner, the page says by whom, with the comment.
func TestBroadcastApprovalShownWhenReopenedInChromium(t *testing.T) {
	s := startStack(t)
	const marketer = "mika@example.com"
	s.person("default", marketer, "marketer")
	s.seedAudience("apv", 2)
	s.call("PUT", "/v1/workspace/approvals", "admin", map[string]any{"required": true}, http.StatusOK, nil)

	b := newBrowser(t)
	b.login(t, s, "/ui/broadcasts/new", marketer, "#broadcast-form")
	b.run(t, chromedp.Evaluate(`document.getElementById("f-source").value = "inline"; document.getElementById("f-when").value = "at";
			document.getElementById("broadcast-form").dispatchEvent(new Event("change"))`, nil),
		chromedp.SendKeys("#f-name", "Year end", chromedp.ByID),
		chromedp.SendKeys("#f-id", "year_end", chromedp.ByID),
		chromedp.SetValue("#f-segment", "apv", chromedp.ByID),
		chromedp.SendKeys("#f-subject", "年末セール", chromedp.ByID),
		chromedp.SendKeys("#f-from", "shop@example.com", chromedp.ByID),
		chromedp.SendKeys("#f-html", "<p>年末セール</p>", chromedp.ByID),
		chromedp.SetValue("#f-send-at", "2030-12-20T10:00", chromedp.ByID),
		chromedp.Click("#create-broadcast", chromedp.ByID),
		chromedp.WaitVisible(`#approval-state[data-state="pending"]`, chromedp.ByQuery))
	// Opened again from the list, long after the form.
	b.run(t, chromedp.Navigate(s.url+"/ui/broadcasts"), chromedp.WaitVisible("#broadcasts", chromedp.ByID),
		chromedp.Click(`tr[data-broadcast="year_end"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#approval-state[data-state="pending"]`, chromedp.ByQuery))
	text := b.text(t, "#approval-state")
	var href string
	b.run(t, chromedp.AttributeValue("#approval-link", "href", &href, nil, chromedp.ByID))
	if !strings.Contains(text, marketer) || !strings.Contains(text, "2030") || !strings.Contains(href, "/ui/approvals#apr_") {
		t.Fatalf("the reopened page says %q and links to %q; want the requester, the send time asked and the request", text, href)
	}
	if st := b.text(t, "#status"); st == "" {
		t.Errorf("the page shows no status")
	}

	id := href[strings.Index(href, "#")+1:]
	s.call("POST", "/v1/approvals/"+id+"/reject", "admin", map[string]any{"comment": "件名を見直してください"}, http.StatusOK, nil)
	b.run(t, chromedp.Reload(), chromedp.WaitVisible(`#approval-state[data-state="rejected"]`, chromedp.ByQuery))
	if c := b.text(t, "#approval-comment"); c != "件名を見直してください" {
		t.Errorf("the rejection's comment reads %q", c)
	}
	b.noConsoleErrors(t)
}
