package api

import (
	"bytes"
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
)

// The console's pages (/ui) are for people in a browser: a person logs in
// with their email address and password and gets a session cookie, which
// also reaches the JSON API (/v1) the pages call; no key ever sits in the
// browser.
const (
	sessionCookie = "tabiji_session"
	// uiCSP lets the pages load only their own files: no inline script, no
	// CDN, no framing; images may come from https too, as the previews of
	// LINE messages and push notifications draw the images they send.
	uiCSP = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

// uiHeaders sets the headers every page and asset answers with.
func uiHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", uiCSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Next()
}

// uiSession lets a request with a live session cookie through, with its
// workspace and person set as auth does, when its role may see the page;
// any other goes to the login form, which brings the reader back here
// afterwards.
func (s *server) uiSession(c *gin.Context) {
	ss, ok, err := s.liveSession(c)
	switch {
	case err != nil:
		s.fail(c, err)
	case !ok:
		c.Redirect(http.StatusSeeOther, "/ui/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
	default:
		setSession(c, ss)
		need := permissions[c.Request.Method+" "+c.FullPath()]
		if slices.Contains(need, people.Role(ss.Role)) {
			c.Next()
			return
		}
		lang := console.Lang(ss.Locale, console.AcceptLanguage(c.GetHeader("Accept-Language")))
		uiPage(c, http.StatusForbidden, lang, console.T(lang, "page.forbidden", uiRoleNames(lang, need), console.T(lang, "role."+ss.Role)))
	}
}

// uiRoleNames reads "Marketer or Owner" in the page's language, in
// roleNames' order (the owner last).
func uiRoleNames(lang string, roles []people.Role) string {
	names := strings.Split(roleNames(roles), " or ")
	for i, r := range names {
		names[i] = console.T(lang, "role."+r)
	}
	return strings.Join(names, console.T(lang, "page.or"))
}

// safeNext keeps a post-login redirect on the report pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/ui/"
	}
	return next
}

// uiLoginForm is the login form, with "Sign in with SSO" for the
// workspace named by ?workspace= when it has single sign-on, else for the
// only workspace of the server that has it (ui_sso.go).
func (s *server) uiLoginForm(c *gin.Context) {
	ws, err := s.sso.LoginButton(c.Request.Context(), c.Query("workspace"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderLoginPage(c, http.StatusOK, s.loginPage(c, safeNext(c.Query("next")), ws, ""))
}

func (s *server) renderLogin(c *gin.Context, status int, next, key string, args ...any) {
	s.renderLoginPage(c, status, s.loginPage(c, next, "", key, args...))
}

// uiLogin checks an email address and password and opens a session
// (ui_cookie.go). Attempts are throttled per remote address and per
// address tried.
func (s *server) uiLogin(c *gin.Context) {
	next := safeNext(c.PostForm("next"))
	email := people.NormalizeEmail(c.PostForm("email"))
	if ok, wait := s.loginAllowed(c, email); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.renderLogin(c, http.StatusTooManyRequests, next, "login.throttled", retryAfter(wait))
		return
	}
	token, _, err := s.people.Login(c.Request.Context(), email, c.PostForm("password"))
	switch {
	case errors.Is(err, people.ErrBadLogin):
		s.renderLogin(c, http.StatusUnauthorized, next, "login.wrong")
		return
	case errors.Is(err, people.ErrNoWorkspace):
		s.renderLogin(c, http.StatusForbidden, next, "login.noworkspace")
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, token, int(people.SessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, next)
}

// uiLogout ends the session and forgets the cookie.
func (s *server) uiLogout(c *gin.Context) {
	if token := s.sessionToken(c); token != "" {
		if !s.csrfChecked(c) {
			return
		}
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
	uiPage(c, http.StatusNotFound, lang, console.T(lang, "page.notfound", what))
}

// uiPage answers with a small page in the reader's language saying why
// (a page that does not exist, or one the reader's role may not open),
// with the way back to the console.
func uiPage(c *gin.Context, status int, lang, message string) {
	c.Data(status, "text/html; charset=utf-8",
		[]byte("<!doctype html><html lang=\""+lang+"\"><title>"+strconv.Itoa(status)+"</title><link rel=\"icon\" href=\"data:,\"><main><p id=\"page-problem\">"+html.EscapeString(message)+
			" <a href=\"/ui/\">"+html.EscapeString(console.T(lang, "page.back"))+"</a></p></main></html>"))
	c.Abort()
}
