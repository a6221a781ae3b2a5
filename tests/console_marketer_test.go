package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// login types the person's email address and e2ePassword into the login
// form that opening path leads to, and waits for ready on the page it
// brings them back to.
func (b *browser) login(t *testing.T, s *stack, path, email, ready string) {
	t.Helper()
	b.run(t, chromedp.Navigate(s.url+path),
		chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", email, chromedp.ByID),
		chromedp.SendKeys("#password", e2ePassword, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible(ready, chromedp.ByQuery))
}

// strings evaluates a script answering a list of strings.
func (b *browser) strings(t *testing.T, script string) []string {
	t.Helper()
	var out []string
	b.run(t, chromedp.Evaluate(script, &out))
	return out
}

// TestMarketerLaunchesPreviewsAndWatchesInChromium is the marketer's flow
// in headless Chromium on the real stack: a marketer (not an owner) logs
// in, opens the gallery, launches cart abandonment with a 20-second delay
// through the form, previews it on a stored customer found by phone number
// (the path drawn on the graph, the email rendered), and, after the
// customer's cart add through /v1/track, sees the run on the journey page
// and the reminder in the customer's timeline; the audit log names them.
func TestMarketerLaunchesPreviewsAndWatchesInChromium(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	const marketer = "mika@example.com"
	s.person("default", marketer, "marketer")
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "aiko", "messageId": "id-aiko",
		"traits": map[string]any{"email": "aiko@example.com", "phone": "090-1234-5678", "firstName": "Aiko"}}, http.StatusOK, nil)

	b := newBrowser(t)
	b.login(t, s, "/ui/templates", marketer, "#gallery")
	if role := b.text(t, "#role"); role != "Marketer" {
		t.Errorf("the header names the role %q", role)
	}

	t.Run("LaunchesCartAbandonmentFromTheGallery", func(t *testing.T) {
		b.run(t, chromedp.Click(`#gallery li[data-template="cart-abandonment"] h2 a`, chromedp.ByQuery),
			chromedp.WaitReady(`#launch-form[data-ready="1"]`, chromedp.ByQuery), // its script is bound
			chromedp.SendKeys("#f-id", "cart_ui", chromedp.ByID),
			chromedp.Clear("#p-delay", chromedp.ByID),
			chromedp.SendKeys("#p-delay", "20s", chromedp.ByID),
			chromedp.Click("#launch", chromedp.ByID),
			chromedp.WaitVisible("#launched", chromedp.ByID),
			chromedp.WaitReady(`body[data-journey-ready="1"]`, chromedp.ByQuery)) // the preview is bound
		if id := b.text(t, "#journey-id"); id != "cart_ui" {
			t.Fatalf("the launch opened journey %q", id)
		}
		var j struct {
			Status     string
			Definition struct {
				Nodes []struct{ ID, Timeout string }
			}
		}
		s.call("GET", "/v1/journeys/cart_ui", "admin", nil, http.StatusOK, &j)
		if j.Status != "active" || len(j.Definition.Nodes) == 0 || j.Definition.Nodes[0].Timeout != "20s" {
			t.Fatalf("the launched journey = %+v, want active with a 20s delay", j)
		}
	})

	t.Run("PreviewsOnACustomerFoundByPhone", func(t *testing.T) {
		b.run(t, chromedp.SendKeys("#preview-customer", "+81 90 1234 5678", chromedp.ByID),
			chromedp.Click("#preview-run", chromedp.ByID),
			chromedp.WaitVisible("#preview-path", chromedp.ByID))
		path := b.strings(t, `[...document.querySelectorAll('#preview-path li')].map(li => li.dataset.node)`)
		want := []string{"wait_for_purchase", "send_reminder", "wait_for_conversion", "not_converted"}
		if !slices.Equal(path, want) {
			t.Errorf("the preview's path = %v, want %v", path, want)
		}
		drawn := b.strings(t, `[...document.querySelectorAll('#graph .node.on-path')].map(n => n.dataset.node)`)
		slices.Sort(drawn)
		slices.Sort(want)
		if !slices.Equal(drawn, want) {
			t.Errorf("the graph marks %v on the path, want %v", drawn, want)
		}
		b.run(t, chromedp.WaitReady(`#preview section.message[data-channel=email] iframe.phone[data-written="1"]`, chromedp.ByQuery))
		mail := b.strings(t, `[...document.querySelectorAll('#preview section.message[data-channel=email]')].map(m =>
			m.querySelector('.subject').textContent + '|' + [...m.querySelectorAll('iframe[sandbox="allow-same-origin"]')]
				.map(f => f.className + ':' + f.contentDocument.body.textContent).join('|'))`)
		if len(mail) != 1 || !strings.HasPrefix(mail[0], "You left something in your cart|email desktop:") ||
			!strings.Contains(mail[0], "|email phone:") || strings.Count(mail[0], "Hi Aiko") != 2 || strings.Count(mail[0], "FREESHIP") != 2 {
			t.Errorf("the preview's email = %q, want the reminder to Aiko with FREESHIP in a sandboxed frame at both widths", mail)
		}
		if got := s.messagesOf("aiko"); len(got) != 0 {
			t.Errorf("the preview sent %d messages", len(got))
		}
		b.screenshot(t, "marketer-preview.png")
	})

	t.Run("SeesTheRunAndTheReminder", func(t *testing.T) {
		s.track("aiko", "cart_add", "cart-aiko")
		eventually(t, 90*time.Second, "the journey page to count the reminder", func() bool {
			var entered string
			b.run(t, chromedp.Navigate(s.url+"/ui/journeys/cart_ui"), chromedp.WaitVisible("#graph", chromedp.ByID),
				chromedp.Evaluate(`document.querySelector('#graph .node[data-node="send_reminder"]').dataset.entered`, &entered))
			return entered == "1"
		})
		if got := b.text(t, "#kpi-entered"); got != "1" {
			t.Errorf("the journey page shows %q entered", got)
		}
		b.run(t, chromedp.Navigate(s.url+"/ui/customers/aiko"), chromedp.WaitVisible("#timeline", chromedp.ByID))
		runs := b.strings(t, `[...document.querySelectorAll('#runs tr[data-workflow] td:first-child')].map(td => td.textContent)`)
		if !slices.Equal(runs, []string{"cart_ui"}) {
			t.Errorf("the customer's runs = %v, want the cart_ui run", runs)
		}
		reminders := b.strings(t, `[...document.querySelectorAll('#timeline tr[data-kind=message]')].map(tr => tr.textContent)`)
		if len(reminders) != 1 || !strings.Contains(reminders[0], "cart_ui/send_reminder") || !strings.Contains(reminders[0], "You left something in your cart") {
			t.Errorf("the timeline's messages = %q, want the reminder", reminders)
		}
		b.screenshot(t, "marketer-customer.png")
	})

	t.Run("TheAuditLogNamesTheMarketer", func(t *testing.T) {
		if got := auditBy(t, s, marketer); !slices.Contains(got, "launch journeys cart_ui cart-abandonment") { // a launch is recorded on the journey it made
			t.Errorf("the audit log's records by %s = %v, want the launch of cart_ui", marketer, got)
		}
	})
	b.noConsoleErrors(t)
}

// auditBy lists the workspace's newest 200 audit records made by the
// person or key called name, each as "action resource id", followed by the
// template for a launch ("launch journeys cart_ui cart-abandonment").
func auditBy(t *testing.T, s *stack, name string) []string {
	t.Helper()
	var log struct {
		Records []struct {
			Actor                        struct{ Name string }
			Action, Resource, ResourceID string
			Detail                       struct{ Template string }
		}
	}
	s.call("GET", "/v1/audit?limit=200", "admin", nil, http.StatusOK, &log)
	var out []string
	for _, r := range log.Records {
		if r.Actor.Name == name {
			out = append(out, strings.TrimSpace(strings.Join([]string{r.Action, r.Resource, r.ResourceID, r.Detail.Template}, " ")))
		}
	}
	return out
}
