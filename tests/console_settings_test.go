package tests

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tabiji/tabiji/store"
)

// TestOwnerConsoleSettingsInChromium: an owner test-sends on a channel
// from Settings to an address they type and reads where it went; the
// customer page lists the customer's suppressed addresses with the reason.
func TestOwnerConsoleSettingsInChromium(t *testing.T) {
	s := startStack(t)
	s.call("POST", "/v1/identify", "write", map[string]any{"userId": "aiko", "messageId": "id-aiko",
		"traits": map[string]any{"email": "aiko@example.com", "phone": "+819012345678"}}, http.StatusOK, nil)
	if err := s.store.Suppress(context.Background(), store.Suppression{WorkspaceID: "default", Channel: "email",
		Address: "aiko@example.com", Reason: store.SuppressHardBounce}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.login(t, s, "/ui/settings", s.ownerEmail("default"), "#test-send-form")

	t.Run("ATestSendOnEachChannelSaysWhereItWent", func(t *testing.T) {
		for _, c := range []struct{ channel, to string }{{"sms", "+819012345678"}, {"line", "U0123456789abcdef0123456789abcdef"}} {
			b.run(t, chromedp.SetValue("#test-channel", c.channel, chromedp.ByID),
				chromedp.Evaluate(`document.getElementById('test-to').value = ''`, nil), chromedp.SendKeys("#test-to", c.to, chromedp.ByID),
				chromedp.Click("#test-send", chromedp.ByID), chromedp.WaitVisible("#test-result", chromedp.ByID))
			if got := b.text(t, "#test-result"); !strings.Contains(got, c.to) || !strings.Contains(got, "outbox") {
				t.Errorf("the result of the %s test says %q", c.channel, got)
			}
			var out outboxPage
			s.call("GET", "/v1/outbox?customer=preview", "admin", nil, http.StatusOK, &out)
			if len(out.Messages) == 0 {
				t.Errorf("the %s test is not in the outbox", c.channel)
			}
		}
		b.run(t, chromedp.SetValue("#test-channel", "email", chromedp.ByID),
			chromedp.Evaluate(`document.getElementById('test-to').value = ''`, nil), chromedp.SendKeys("#test-to", "qa@example.com", chromedp.ByID),
			chromedp.Click("#test-send", chromedp.ByID), chromedp.WaitVisible("#err-from", chromedp.ByID))
		b.screenshot(t, "settings-test-send.png")
	})

	t.Run("TheCustomerPageListsSuppressions", func(t *testing.T) {
		b.run(t, chromedp.Navigate(s.url+"/ui/customers/aiko"),
			chromedp.WaitVisible(`#suppressions tbody tr[data-channel="email"]`, chromedp.ByQuery))
		if row := b.text(t, `#suppressions tbody tr[data-channel="email"]`); !strings.Contains(row, "aiko@example.com") || !strings.Contains(row, "Hard bounce") {
			t.Errorf("the suppression row says %q", row)
		}
	})
	b.noConsoleErrors(t)
}
