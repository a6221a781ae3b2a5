package api

import (
	"bytes"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
)

// The report pages (/ui) are for people in a browser: an admin key is typed
// into a login form once and exchanged for a session cookie, so no key ever
// sits in a URL, a bookmark or the browser's storage.
const (
	sessionCookie = "tabiji_session"
	sessionTTL    = 12 * time.Hour
	// uiCSP lets the pages load only their own files: no inline script, no
	// CDN, no framing.
	uiCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

// uiHeaders sets the headers every page and asset answers with.
func uiHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", uiCSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Next()
}

// uiSession lets a request with a live session cookie through, with its
// workspace set as auth does; any other goes to the login form, which
// brings the reader back here afterwards.
func (s *server) uiSession(c *gin.Context) {
	if s.adminSession(c) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/ui/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	c.Abort()
}

// adminSession serves the request when it carries a live admin session
// cookie (its workspace set as auth does) or when looking the session up
// failed (a problem answered), and reports whether it did; a request with
// no session, or an unknown one, is left to the caller.
func (s *server) adminSession(c *gin.Context) bool {
	token := s.sessionToken(c)
	if token == "" {
		return false
	}
	key, err := s.Store.SessionKey(c.Request.Context(), token)
	switch {
	case err == nil && key.Role == store.RoleAdmin:
		c.Set(workspaceKey, key.WorkspaceID)
		c.Set(keyIDKey, key.ID)
		c.Next()
		return true
	case err != nil && !errors.Is(err, store.ErrNotFound):
		s.fail(c, err)
		return true
	}
	return false
}

// safeNext keeps a post-login redirect on the report pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/ui/"
	}
	return next
}

func (s *server) uiLoginForm(c *gin.Context) {
	s.renderLogin(c, http.StatusOK, safeNext(c.Query("next")), "")
}

func (s *server) renderLogin(c *gin.Context, status int, next, key string, args ...any) {
	lang := console.AcceptLanguage(c.GetHeader("Accept-Language"))
	page := console.LoginPage{Frame: console.Frame{Lang: lang}, Next: next}
	if key != "" {
		page.Error = console.T(lang, key, args...)
	}
	var buf bytes.Buffer
	if err := console.Login(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// uiLogin exchanges an admin key for a session cookie (ui_cookie.go).
// Attempts are throttled per remote address and per key tried.
func (s *server) uiLogin(c *gin.Context) {
	next := safeNext(c.PostForm("next"))
	secret := strings.TrimSpace(c.PostForm("key"))
	if ok, wait := s.loginAllowed(c, secret); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.renderLogin(c, http.StatusTooManyRequests, next, "login.throttled", retryAfter(wait))
		return
	}
	key, err := s.Store.Authenticate(c.Request.Context(), secret)
	switch {
	case secret == "" || errors.Is(err, store.ErrNotFound):
		s.renderLogin(c, http.StatusUnauthorized, next, "login.unknown")
		return
	case err != nil:
		s.fail(c, err)
		return
	case key.Role != store.RoleAdmin:
		s.renderLogin(c, http.StatusForbidden, next, "login.writekey", string(key.Role))
		return
	}
	token, err := s.Store.OpenSession(c.Request.Context(), key, sessionTTL)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, token, int(sessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, next)
}

// uiLogout ends the session and forgets the cookie.
func (s *server) uiLogout(c *gin.Context) {
	if token := s.sessionToken(c); token != "" {
		if err := s.Store.CloseSession(c.Request.Context(), token); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/ui/login")
}

// renderPage writes a rendered page, or a 500 when rendering fails.
func (s *server) renderPage(c *gin.Context, render func(*bytes.Buffer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// uiNotFound answers a missing journey or customer as a small page in
// the reader's language.
func uiNotFound(c *gin.Context, lang, what string) {
	c.Data(http.StatusNotFound, "text/html; charset=utf-8",
		[]byte("<!doctype html><html lang=\""+lang+"\"><title>404</title><p>"+html.EscapeString(console.T(lang, "page.notfound", what))+
			" <a href=\"/ui/\">"+html.EscapeString(console.T(lang, "page.back"))+"</a></p></html>"))
}
