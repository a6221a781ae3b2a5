package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// resetRate is how often one remote address, and one address asked for,
// may ask for a password reset: five at once, then one every two minutes.
var resetRate = Rate{PerSecond: 1.0 / 120, Burst: 5}

// linkStatus is the status a page of a link that no longer works answers:
// 404 for a token nobody made, 410 for one expired, used or revoked.
func linkStatus(state string) int {
	if state == "unknown" {
		return http.StatusNotFound
	}
	return http.StatusGone
}

// uiInvitation is GET /ui/invitations/{token}: the form that takes up the
// invitation, or a page saying the link no longer works.
func (s *server) uiInvitation(c *gin.Context) {
	l, err := s.people.InvitationLink(c.Request.Context(), c.Param("token"))
	if err != nil && !errors.Is(err, people.ErrSpentLink) {
		s.fail(c, err)
		return
	}
	s.renderInvitation(c, l, console.InvitationPage{})
}

// renderInvitation writes the invitation page of l with what page adds
// (errors, the name typed), in the invitation's language.
func (s *server) renderInvitation(c *gin.Context, l people.LinkState, page console.InvitationPage) {
	lang := console.Lang(l.Locale, console.AcceptLanguage(c.GetHeader("Accept-Language")))
	page.Frame, page.State, page.MinPassword = console.Frame{Lang: lang}, l.State, people.MinPasswordLen
	page.Email, page.WorkspaceName, page.Role, page.Existing = l.Email, l.WorkspaceName, l.Role, l.Existing
	if page.State == "" {
		page.State = "unknown"
	}
	status := http.StatusOK
	switch {
	case page.State != store.TokenPending:
		status = linkStatus(page.State)
	case page.Error != "" || len(page.Errors) > 0:
		status = http.StatusUnprocessableEntity
	}
	var buf bytes.Buffer
	if err := console.Invitation(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// uiAcceptInvitation is POST /ui/invitations/{token}: a new person's name
// and password, or an existing person's password, then a session in the
// invitation's workspace. Attempts are throttled as logins are (an
// existing account's password is guessed here too).
func (s *server) uiAcceptInvitation(c *gin.Context) {
	token := c.Param("token")
	if ok, wait := s.loginAllowed(c, "invitation:"+token); !ok {
		c.Header("Retry-After", retryAfter(wait))
		problem(c, http.StatusTooManyRequests, "too many attempts: try again in "+retryAfter(wait)+" seconds")
		return
	}
	r, err := s.people.AcceptForm(c.Request.Context(), token, c.PostForm("name"), c.PostForm("password"))
	if err == nil {
		s.setSessionCookie(c, r.Token, int(people.SessionTTL.Seconds()))
		c.Redirect(http.StatusSeeOther, "/ui/")
		return
	}
	page := console.InvitationPage{Name: c.PostForm("name")}
	if !s.pageErrors(c, err, &page.Errors) {
		return
	}
	l := r.Link
	lang := console.Lang(l.Locale, console.AcceptLanguage(c.GetHeader("Accept-Language")))
	translateErrors(lang, page.Errors)
	s.renderInvitation(c, l, page)
}

// pageErrors puts a refusal's fields, or a wrong password, into errs (as
// catalog keys for now) and reports whether the page is to be shown
// again; any other error is answered here.
func (s *server) pageErrors(c *gin.Context, err error, errs *map[string]string) bool {
	*errs = map[string]string{}
	var refusal *store.Refusal
	switch {
	case errors.Is(err, people.ErrSpentLink):
		return true
	case errors.Is(err, people.ErrBadLogin):
		(*errs)["password"] = "login.wrong"
		return true
	case errors.As(err, &refusal):
		for _, f := range refusal.Fields {
			(*errs)[f.Field] = "field." + f.Field
		}
		return true
	}
	s.fail(c, err)
	return false
}

// translateErrors writes each error's catalog key in the language.
func translateErrors(lang string, errs map[string]string) {
	for field, key := range errs {
		if key == "field.password" {
			errs[field] = console.T(lang, "password.rule", people.MinPasswordLen)
			continue
		}
		errs[field] = console.T(lang, key)
	}
}

// uiResetForm is GET /ui/password-reset: the request of a reset link.
func (s *server) uiResetForm(c *gin.Context) {
	s.renderReset(c, http.StatusOK, console.ResetPage{})
}

// uiAskReset is POST /ui/password-reset: it answers the same page whether
// or not the address has an account (a failure to send is logged, never
// shown), throttled per remote address and per address asked for.
func (s *server) uiAskReset(c *gin.Context) {
	email := people.NormalizeEmail(c.PostForm("email"))
	if email == "" || !strings.Contains(email, "@") {
		s.renderReset(c, http.StatusUnprocessableEntity, console.ResetPage{Errors: map[string]string{"email": "field.email"}})
		return
	}
	now := time.Now()
	okAddr, waitAddr := s.resetByAddr.allow(c.ClientIP(), now)
	sum := sha256.Sum256([]byte(email)) // no address is held in memory
	okMail, waitMail := s.resetByMail.allow(hex.EncodeToString(sum[:]), now)
	if !okAddr || !okMail {
		wait := retryAfter(max(waitAddr, waitMail))
		c.Header("Retry-After", wait)
		s.renderReset(c, http.StatusTooManyRequests, console.ResetPage{Error: "reset.throttled"})
		return
	}
	if err := s.people.RequestReset(c.Request.Context(), email, s.linkBase(c)); err != nil {
		s.Logger.ErrorContext(c.Request.Context(), "password reset not sent", "error", err)
	}
	s.renderReset(c, http.StatusOK, console.ResetPage{Sent: true})
}

// uiResetLink is GET /ui/password-reset/{token}: the new password's form,
// or a page saying the link no longer works.
func (s *server) uiResetLink(c *gin.Context) {
	t, err := s.people.ResetLink(c.Request.Context(), c.Param("token"))
	if err != nil && !errors.Is(err, people.ErrSpentLink) {
		s.fail(c, err)
		return
	}
	s.renderReset(c, http.StatusOK, console.ResetPage{Token: c.Param("token"), State: t.State})
}

// uiReset is POST /ui/password-reset/{token}: the new password; the
// person's other sessions end and this browser is logged in.
func (s *server) uiReset(c *gin.Context) {
	token := c.Param("token")
	r, err := s.people.ResetForm(c.Request.Context(), token, c.PostForm("password"))
	if err == nil {
		s.setSessionCookie(c, r.Token, int(people.SessionTTL.Seconds()))
		c.Redirect(http.StatusSeeOther, "/ui/")
		return
	}
	page := console.ResetPage{Token: token, State: store.TokenPending}
	if !s.pageErrors(c, err, &page.Errors) {
		return
	}
	if errors.Is(err, people.ErrSpentLink) {
		page.State = r.Link.State
	}
	s.renderReset(c, http.StatusUnprocessableEntity, page)
}

// renderReset writes a password-reset page in the browser's language;
// page.Error and page.Errors are catalog keys.
func (s *server) renderReset(c *gin.Context, status int, page console.ResetPage) {
	lang := console.AcceptLanguage(c.GetHeader("Accept-Language"))
	page.Frame, page.MinPassword, page.ResetMinutes = console.Frame{Lang: lang}, people.MinPasswordLen, int(people.ResetTTL.Minutes())
	if page.Token != "" && page.State == "" {
		page.State = "unknown"
	}
	if page.Token != "" && page.State != store.TokenPending {
		status = linkStatus(page.State)
	}
	if page.Error != "" {
		page.Error = console.T(lang, page.Error)
	}
	translateErrors(lang, page.Errors)
	var buf bytes.Buffer
	if err := console.Reset(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
