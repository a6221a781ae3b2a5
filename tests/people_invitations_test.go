package tests

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

// formAnswer is what a form post or page answered: its status, the
// session cookie it set ("" for none) and its HTML.
type formAnswer struct {
	status  int
	session string
	html    string
}

// page opens a console page (GET) or posts a form to it (form != nil),
// following no redirect.
func (s *stack) page(path string, form url.Values) formAnswer {
	s.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	if form != nil {
		req, _ = http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := formAnswer{status: resp.StatusCode, html: string(body)}
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "tabiji_session") && c.Value != "" {
			out.session = c.Value
		}
	}
	return out
}

// linkIn is the first link to path in an email's text.
func linkIn(t *testing.T, text, path string) string {
	t.Helper()
	m := regexp.MustCompile(`https?://\S+` + regexp.QuoteMeta(path) + `[A-Za-z0-9]+`).FindString(text)
	if m == "" {
		t.Fatalf("no %s link in %q", path, text)
	}
	return m
}

// invite posts an invitation with the session and returns the answer.
func (s *stack) invite(session, email, role string) (string, string) {
	s.t.Helper()
	status, _, body := s.raw("POST", "/v1/people/invitations", sessionHeaders(session, true),
		`{"email":"`+email+`","role":"`+role+`","locale":"en"}`)
	if status != http.StatusCreated {
		s.t.Fatalf("invite %s = %d %v", email, status, body)
	}
	inv, _ := body["invitation"].(map[string]any)
	link, _ := body["inviteLink"].(string)
	return inv["id"].(string), link
}

// TestInvitationFlow: on the real stack, an owner invites a marketer
// through the API; the link is emailed to the outbox and returned once;
// the marketer sets a password from it with the form (a short one refused
// at the field), is logged in, logs in again with the form, and gets the
// marketer's permissions. A used, revoked or expired link shows a page
// saying to ask for a new one; the last owner cannot be removed or
// demoted; each change is in the audit log without the link.
func TestInvitationFlow(t *testing.T) {
	s := startStack(t)
	owner := s.ownerSession("default")
	ownerID := s.person("default", s.ownerEmail("default"), "owner")

	_, link := s.invite(owner, "mio@example.com", "marketer")
	path := strings.TrimPrefix(link, s.url)
	t.Run("TheLinkIsEmailedToTheOutbox", func(t *testing.T) {
		var page outboxPage
		s.call("GET", "/v1/outbox?channel=email", "admin", nil, http.StatusOK, &page)
		found := false
		for _, m := range page.Messages {
			found = found || (strings.Contains(m.Body, link) && strings.Contains(m.Subject, "Invitation"))
		}
		if !found || !strings.HasPrefix(path, "/ui/invitations/") {
			t.Fatalf("no invitation email with %s in the outbox: %+v", link, page.Messages)
		}
	})
	var marketer string
	t.Run("TheInviteeSetsAPasswordAndIsLoggedIn", func(t *testing.T) {
		if p := s.page(path, nil); p.status != http.StatusOK || !strings.Contains(p.html, "mio@example.com") || !strings.Contains(p.html, `name="password"`) {
			t.Fatalf("invitation page = %d %s", p.status, p.html)
		}
		short := s.page(path, url.Values{"name": {"Mio"}, "password": {"short"}})
		if short.status != http.StatusUnprocessableEntity || !strings.Contains(short.html, `id="err-password"`) ||
			!strings.Contains(short.html, "at least 10 characters") || short.session != "" {
			t.Fatalf("a short password = %d %s", short.status, short.html)
		}
		done := s.page(path, url.Values{"name": {"Mio"}, "password": {"mio's long password"}})
		if done.status != http.StatusSeeOther || done.session == "" {
			t.Fatalf("accept = %d %s", done.status, done.html)
		}
		marketer = s.consoleLogin("mio@example.com", "mio's long password")
	})
	t.Run("TheNewPersonHasTheMarketersPermissions", func(t *testing.T) {
		if status, _, me := s.raw("GET", "/v1/me", sessionHeaders(marketer, false), ""); status != http.StatusOK || me["role"] != "marketer" {
			t.Errorf("me = %d %v", status, me)
		}
		segment := `{"id":"mio_vip","name":"VIP","definition":{"condition":{"tag":"vip"}}}`
		if status, _, body := s.raw("POST", "/v1/segments", sessionHeaders(marketer, true), segment); status != http.StatusCreated {
			t.Errorf("the marketer's segment = %d %v", status, body)
		}
		for _, c := range []struct{ method, path, body string }{{"GET", "/v1/people", ""}, {"POST", "/v1/people/invitations", `{"email":"x@example.com","role":"owner"}`},
			{"PUT", "/v1/workspace/timezone", `{"timezone":"Asia/Tokyo"}`}} {
			if status, _, body := s.raw(c.method, c.path, sessionHeaders(marketer, true), c.body); status != http.StatusForbidden ||
				!strings.Contains(detail(body), "owner role") {
				t.Errorf("the marketer's %s %s = %d %v", c.method, c.path, status, body)
			}
		}
	})
	t.Run("AUsedRevokedOrExpiredLinkSaysToAskForANewOne", func(t *testing.T) {
		if p := s.page(path, nil); p.status != http.StatusGone || !strings.Contains(p.html, "already been used") || !strings.Contains(p.html, "new invitation") {
			t.Errorf("used link = %d %s", p.status, p.html)
		}
		if p := s.page(path, url.Values{"name": {"Eve"}, "password": {"eve's long password"}}); p.status != http.StatusGone || p.session != "" {
			t.Errorf("used link posted = %d %s", p.status, p.html)
		}
		id, revoked := s.invite(owner, "rev@example.com", "analyst")
		if status, _, body := s.raw("DELETE", "/v1/people/invitations/"+id, sessionHeaders(owner, true), ""); status != http.StatusNoContent {
			t.Fatalf("revoke = %d %v", status, body)
		}
		if p := s.page(strings.TrimPrefix(revoked, s.url), url.Values{"name": {"Rev"}, "password": {"rev's long password"}}); p.status != http.StatusGone ||
			!strings.Contains(p.html, "revoked") || p.session != "" {
			t.Errorf("revoked link = %d %s", p.status, p.html)
		}
		_, token, err := s.store.CreatePersonToken(context.Background(), store.PersonToken{Kind: store.TokenInvitation, Email: "old@example.com",
			WorkspaceID: "default", Role: "analyst"}, -time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if p := s.page("/ui/invitations/"+token, nil); p.status != http.StatusGone || !strings.Contains(p.html, "expired") {
			t.Errorf("expired link = %d %s", p.status, p.html)
		}
		if p := s.page("/ui/invitations/no-such-token", nil); p.status != http.StatusNotFound || !strings.Contains(p.html, "not valid") {
			t.Errorf("unknown link = %d %s", p.status, p.html)
		}
	})
	t.Run("TheLastOwnerStays", func(t *testing.T) {
		for _, c := range []struct{ method, path, body string }{{"DELETE", "/v1/people/" + ownerID, ""}, {"PUT", "/v1/people/" + ownerID + "/role", `{"role":"analyst"}`}} {
			if status, _, body := s.raw(c.method, c.path, sessionHeaders(owner, true), c.body); status != http.StatusConflict || !strings.Contains(detail(body), "last owner") {
				t.Errorf("%s %s = %d %v", c.method, c.path, status, body)
			}
		}
		var list struct {
			People []struct{ ID, Email, Name, Role string } `json:"people"`
		}
		s.call("GET", "/v1/people", "admin", nil, http.StatusOK, &list)
		var mio string
		for _, p := range list.People {
			if p.Email == "mio@example.com" && p.Name == "Mio" && p.Role == "marketer" {
				mio = p.ID
			}
		}
		if mio == "" {
			t.Fatalf("people = %+v", list.People)
		}
		if status, _, body := s.raw("PUT", "/v1/people/"+mio+"/role", sessionHeaders(owner, true), `{"role":"analyst"}`); status != http.StatusOK {
			t.Errorf("set role = %d %v", status, body)
		}
		if status, _, body := s.raw("DELETE", "/v1/people/"+mio, sessionHeaders(owner, true), ""); status != http.StatusNoContent {
			t.Errorf("remove = %d %v", status, body)
		}
		if status, _, _ := s.raw("GET", "/v1/me", sessionHeaders(marketer, false), ""); status != http.StatusUnauthorized {
			t.Errorf("a removed person's session still answers %d", status)
		}
	})
	t.Run("EveryChangeIsAuditedWithoutTheLink", func(t *testing.T) {
		_, _, body := s.raw("GET", "/v1/audit?resource=people/invitations", map[string]string{"Authorization": "Bearer " + s.admin}, "")
		raw := mustJSON(t, body)
		if !strings.Contains(raw, `"action":"create"`) || !strings.Contains(raw, `"action":"delete"`) || strings.Contains(raw, path) ||
			!strings.Contains(raw, s.ownerEmail("default")) {
			t.Errorf("audit of invitations = %s", raw)
		}
		_, _, body = s.raw("GET", "/v1/audit?resource=people", map[string]string{"Authorization": "Bearer " + s.admin}, "")
		if raw := mustJSON(t, body); !strings.Contains(raw, `"action":"delete"`) {
			t.Errorf("audit of people = %s", raw)
		}
	})
}

// TestPasswordResetFlow: with the workspace's email through the fake
// SendGrid, a reset asked for by a person's address is emailed; an unknown
// address gets the same page and no email; the link sets a new password
// once, ends the person's other sessions and logs them in; too many
// requests are throttled.
func TestPasswordResetFlow(t *testing.T) {
	s := startStack(t)
	sg := providertest.NewSendGrid(t)
	resolver := settings.NewResolver(s.store, settings.Options{Defaults: map[string]settings.Values{
		"email": {settings.APIKey: "SG.e2e-reset-key", settings.BaseURL: sg.URL}}})
	s.handler.Store(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(), TaskQueue: taskQueue,
		Channels: resolver, EmailFrom: "shop@example.com"}))
	s.person("default", "rin@example.com", "analyst")
	old := s.consoleLogin("rin@example.com", e2ePassword)

	unknown := s.page("/ui/password-reset", url.Values{"email": {"nobody@example.com"}})
	known := s.page("/ui/password-reset", url.Values{"email": {"Rin@Example.com"}})
	if unknown.status != http.StatusOK || known.status != http.StatusOK || unknown.html != known.html {
		t.Fatalf("the answers differ: %d %s / %d %s", unknown.status, unknown.html, known.status, known.html)
	}
	var sent []sentEmail
	eventually(t, 10*time.Second, "the reset email", func() bool { sent = sentEmails(t, sg); return len(sent) > 0 })
	if len(sent) != 1 {
		t.Fatalf("%d emails sent, want the known address's only", len(sent))
	}
	link := linkIn(t, sent[0].text, "/ui/password-reset/")
	path := strings.TrimPrefix(link, s.url)
	if p := s.page(path, url.Values{"password": {"short"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.html, `id="err-password"`) {
		t.Errorf("a short password = %d %s", p.status, p.html)
	}
	done := s.page(path, url.Values{"password": {"rin's new password"}})
	if done.status != http.StatusSeeOther || done.session == "" {
		t.Fatalf("reset = %d %s", done.status, done.html)
	}
	if status, _, _ := s.raw("GET", "/v1/me", sessionHeaders(old, false), ""); status != http.StatusUnauthorized {
		t.Errorf("the session before the reset answers %d", status)
	}
	if status, _, me := s.raw("GET", "/v1/me", sessionHeaders(done.session, false), ""); status != http.StatusOK || me["email"] != "rin@example.com" {
		t.Errorf("the new session: %d %v", status, me)
	}
	s.consoleLogin("rin@example.com", "rin's new password")
	if p := s.page(path, url.Values{"password": {"another new password"}}); p.status != http.StatusGone || !strings.Contains(p.html, "already been used") {
		t.Errorf("a used reset link = %d %s", p.status, p.html)
	}
	throttled := false
	for range 10 {
		throttled = throttled || s.page("/ui/password-reset", url.Values{"email": {"rin@example.com"}}).status == http.StatusTooManyRequests
	}
	// The limiter lets five requests through per remote address, two of them above.
	if !throttled || len(sentEmails(t, sg)) > 4 {
		t.Errorf("ten more requests: throttled %v, %d emails", throttled, len(sentEmails(t, sg)))
	}
}
