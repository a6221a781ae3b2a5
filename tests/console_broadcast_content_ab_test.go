package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/experiment"
)

// TestBroadcastContentABTestInChromium: an owner makes an email A/B test
// with the new-broadcast form whose variant A is a whole message written
// in the form and variant B a stored template (not a subject), sent now
// to half of 20 customers with a one-second wait. SendGrid's fake receives
// each customer exactly once: the test share their variant's own subject
// and body, the rest the winner's (nobody opened: the first variant, A).
func TestBroadcastContentABTestInChromium(t *testing.T) {
	s := startStack(t)
	sg, ln := providertest.NewSendGrid(t), providertest.NewLINE(t)
	s.startDeliveryWorkers(sg, ln)
	s.seedAudience("abform", 20)
	s.call("POST", "/v1/templates", "admin", map[string]any{"id": "winter_b", "name": "Winter B", "channel": "email",
		"content": map[string]any{"subject": "B: 冬のセール最終日", "from": "shop@example.com", "html": "<p>B の本文</p>"}}, http.StatusCreated, nil)

	b := newBrowser(t)
	b.login(t, s, "/ui/broadcasts/new", s.ownerEmail("default"), "#broadcast-form")
	b.run(t, chromedp.SendKeys("#f-name", "Winter", chromedp.ByID),
		chromedp.SendKeys("#f-id", "winter_ab", chromedp.ByID),
		chromedp.SetValue("#f-segment", "abform", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("f-source").value = "inline";
			document.getElementById("f-ab").checked = true;
			document.getElementById("broadcast-form").dispatchEvent(new Event("change"))`, nil),
		chromedp.SendKeys("#f-subject", "冬のセール", chromedp.ByID),
		chromedp.SendKeys("#f-from", "shop@example.com", chromedp.ByID),
		chromedp.SendKeys("#f-html", "<p>共通の本文</p>", chromedp.ByID),
		chromedp.SetValue("#f-v0-kind", "inline", chromedp.ByID),
		chromedp.SetValue("#f-v1-kind", "template", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("broadcast-form").dispatchEvent(new Event("change"))`, nil),
		chromedp.WaitVisible("#f-v0-subject", chromedp.ByID),
		chromedp.SendKeys("#f-v0-subject", "A: 冬のセール", chromedp.ByID),
		chromedp.SendKeys("#f-v0-from", "shop@example.com", chromedp.ByID),
		chromedp.SendKeys("#f-v0-html", "<p>A の本文</p>", chromedp.ByID),
		chromedp.SetValue("#f-v1-template", "winter_b", chromedp.ByID),
		chromedp.SetValue("#f-ab-percent", "50", chromedp.ByID),
		chromedp.SetValue("#f-ab-wait", "1s", chromedp.ByID))
	var hidden struct{ Subject, Template bool }
	b.run(t, chromedp.Evaluate(`({subject: document.getElementById("f-v0").closest(".v-part").hidden,
		template: document.getElementById("f-v1-template").closest(".v-part").hidden})`, &hidden))
	if !hidden.Subject || hidden.Template {
		t.Fatalf("variant A's subject-only field shown: %v, variant B's template hidden: %v", !hidden.Subject, hidden.Template)
	}
	b.run(t, chromedp.Click("#create-broadcast", chromedp.ByID),
		chromedp.WaitVisible(`#status[data-status="completed"]`, chromedp.ByQuery))
	if w := b.text(t, "#ab-winner"); !strings.Contains(w, "A") {
		t.Errorf("the page names the winner %q; want A", w)
	}

	got := map[string][]providertest.Mail{}
	for _, r := range sg.Requests() {
		if r.Status/100 == 2 {
			for _, m := range providertest.Mails(t, r) {
				got[m.To] = append(got[m.To], m)
			}
		}
	}
	for i := range 20 {
		u := fmt.Sprintf("abform_%02d", i)
		subject, body := "A: 冬のセール", "A の本文"
		if experiment.InBroadcastTest(50, "default", "winter_ab", u) && experiment.BroadcastVariant(2, "default", "winter_ab", u) == 1 {
			subject, body = "B: 冬のセール最終日", "B の本文"
		}
		mails := got[u+"@example.com"]
		if len(mails) != 1 || mails[0].Subject != subject || !strings.Contains(mails[0].Content["text/html"], body) {
			t.Errorf("%s received %+v; want exactly one %q with %q", u, mails, subject, body)
		}
	}
	if len(sg.Invalid()) > 0 {
		t.Errorf("SendGrid refused: %v", sg.Invalid())
	}
}
