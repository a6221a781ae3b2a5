package tests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestOwnerInvitesInChromium: in headless Chromium on the real stack, an
// owner opens the People page from Settings, invites a person as a
// marketer (the link shown once, to copy), and that person opens the link,
// sets their name and a password, lands in the console as a marketer, logs
// out and logs in again with the password. The People page and the
// invitation page label every input, the keyboard reaches every control of
// the People page, and no page logs an error.
func TestOwnerInvitesInChromium(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t)
	b.login(t, s, "/ui/settings", s.ownerEmail("default"), "#people-link")
	b.run(t, chromedp.Click("#people-link", chromedp.ByID), chromedp.WaitVisible("#invite-form", chromedp.ByID))
	if missing := b.strings(t, unlabelled); len(missing) > 0 {
		t.Errorf("People page inputs without a label: %v", missing)
	}
	b.keyboardReachesEveryControl(t)
	b.screenshot(t, "console-people.png")

	var link string
	b.run(t, chromedp.SendKeys("#invite-email", "hana@example.com", chromedp.ByID),
		chromedp.SetValue("#invite-role", "marketer", chromedp.ByID),
		chromedp.Click("#invite-submit", chromedp.ByID),
		chromedp.WaitVisible("#invite-shown", chromedp.ByID),
		chromedp.Value("#invite-link", &link, chromedp.ByID))
	if !strings.HasPrefix(link, s.url+"/ui/invitations/") {
		t.Fatalf("the link shown = %q", link)
	}
	var list struct {
		Invitations []struct{ Email, Role string } `json:"invitations"`
	}
	s.call("GET", "/v1/people", "admin", nil, http.StatusOK, &list)
	if len(list.Invitations) != 1 || list.Invitations[0].Email != "hana@example.com" || list.Invitations[0].Role != "marketer" {
		t.Fatalf("invitations = %+v", list.Invitations)
	}

	b.run(t, chromedp.Click("#logout", chromedp.ByID), chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.Navigate(link), chromedp.WaitVisible("#name", chromedp.ByID))
	if missing := b.strings(t, unlabelled); len(missing) > 0 {
		t.Errorf("invitation page inputs without a label: %v", missing)
	}
	b.run(t, chromedp.SendKeys("#name", "Hana", chromedp.ByID),
		chromedp.SendKeys("#password", "hana's long password", chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#metrics", chromedp.ByID))
	var role string
	b.run(t, chromedp.AttributeValue("body", "data-role", &role, nil, chromedp.ByQuery))
	if role != "marketer" {
		t.Errorf("the new person's console role = %q", role)
	}
	if b.text(t, "#nav-settings") == "" {
		t.Error("no navigation after the invitation")
	}
	b.run(t, chromedp.Click("#logout", chromedp.ByID), chromedp.WaitVisible("#email", chromedp.ByID),
		chromedp.SendKeys("#email", "hana@example.com", chromedp.ByID),
		chromedp.SendKeys("#password", "hana's long password", chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#metrics", chromedp.ByID))
	b.noConsoleErrors(t)
}
