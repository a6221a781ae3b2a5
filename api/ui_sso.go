package api

import (
	"bytes"
	"errors"
	"html"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/sso"
)

// Single sign-on in the browser (sso/): the login page's "Sign in with
// SSO" goes to /ui/sso/{workspace}/start, which sets the login cookie
// (state, nonce and PKCE verifier, sealed) and sends the browser to the
// provider; the provider sends it back to /ui/sso/callback, which checks
// everything, opens a session bound to the workspace and goes on to the
// console. A failure shows the login page saying what to do.

// ssoCookie holds a sign-in in progress. SameSite=Lax, not Strict: the
// provider's redirect back is a cross-site navigation, which Lax lets
// carry the cookie (a top-level GET) and Strict would not.
const ssoCookie = "tabiji_sso"

func (s *server) ssoCookieAttrs(r *http.Request) (name string, secure bool) {
	if s.securePublic {
		return "__Host-" + ssoCookie, true
	}
	return ssoCookie, r.TLS != nil
}

func (s *server) setSSOCookie(c *gin.Context, value string, maxAge int) {
	name, secure := s.ssoCookieAttrs(c.Request)
	// Secure follows the request's scheme, as the session cookie's does (ui_cookie.go).
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, //nolint:gosec // G124: Secure follows the scheme, HttpOnly and SameSite are set
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure})
}

// uiSSOStart is GET /ui/sso/{workspace}/start: to the workspace's
// provider, with the login cookie set. Throttled per remote address (each
// start reads the provider's discovery document).
func (s *server) uiSSOStart(c *gin.Context) {
	if ok, wait := s.loginByAddr.allow(c.ClientIP(), time.Now()); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.renderLoginPage(c, http.StatusTooManyRequests, s.loginPage(c, "/ui/", "", "login.throttled", retryAfter(wait)))
		return
	}
	authURL, cookie, err := s.sso.Begin(c.Request.Context(), c.Param("workspace"), s.ssoRedirectURI(c), safeNext(c.Query("next")))
	if err != nil {
		s.ssoFailed(c, err)
		return
	}
	s.setSSOCookie(c, cookie, int(sso.LoginTTL.Seconds()))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, authURL)
}

// uiSSOCallback is GET /ui/sso/callback: the provider's answer. The login
// cookie is spent whatever happens. On success the session cookie is set
// and a small page goes on to the console: a redirect would keep the
// navigation cross-site (it started at the provider), and the browser
// would not send the SameSite=Strict session cookie with it.
func (s *server) uiSSOCallback(c *gin.Context) {
	name, _ := s.ssoCookieAttrs(c.Request)
	cookie, _ := c.Cookie(name)
	s.setSSOCookie(c, "", -1)
	in, err := s.sso.Complete(c.Request.Context(), cookie, c.Request.URL.Query(), s.ssoRedirectURI(c),
		sso.From{IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	if err != nil {
		s.ssoFailed(c, err)
		return
	}
	s.setSessionCookie(c, in.Token, int(people.SessionTTL.Seconds()))
	lang := console.Lang(in.Session.Locale, "")
	next := html.EscapeString(safeNext(in.Next))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<!doctype html><html lang=\""+lang+"\"><head><meta charset=\"utf-8\">"+
		"<meta http-equiv=\"refresh\" content=\"0;url="+next+"\"><link rel=\"icon\" href=\"data:,\"><title>"+html.EscapeString(console.T(lang, "sso.signedin"))+"</title></head>"+
		"<body><p id=\"sso-signedin\">"+html.EscapeString(console.T(lang, "sso.signedin"))+" <a id=\"sso-continue\" href=\""+next+"\">"+
		html.EscapeString(console.T(lang, "sso.continue"))+"</a></p></body></html>"))
}

// ssoFailed shows the login page saying what to do, with the status the
// failure calls for; an unexpected error is logged and is a 503 page
// asking to try again (a sign-in never ends in a bare 500).
func (s *server) ssoFailed(c *gin.Context, err error) {
	var f *sso.Failure
	if !errors.As(err, &f) {
		s.Logger.Error("single sign-on failed", "error", err)
		s.renderLoginPage(c, http.StatusServiceUnavailable, s.loginPage(c, "/ui/", "", "sso.failed.internal"))
		return
	}
	s.Logger.Info("single sign-on refused", "reason", f.Reason, "workspace", f.WorkspaceID, "error", f.Err)
	retry := f.WorkspaceID
	if f.Reason == sso.ReasonUnconfigured || f.Reason == sso.ReasonNoKey {
		retry = ""
	}
	s.renderLoginPage(c, f.Status, s.loginPage(c, "/ui/", retry, "sso.failed."+f.Reason))
}

// loginPage is the login form in the reader's language: the SSO button
// of the workspace ("" for none), and the message of key when given.
func (s *server) loginPage(c *gin.Context, next, ssoWorkspace, key string, args ...any) console.LoginPage {
	lang := console.AcceptLanguage(c.GetHeader("Accept-Language"))
	page := console.LoginPage{Frame: console.Frame{Lang: lang}, Next: next}
	if ssoWorkspace != "" {
		page.SSOURL = "/ui/sso/" + url.PathEscape(ssoWorkspace) + "/start?next=" + url.QueryEscape(next)
	}
	if key != "" {
		page.Error = console.T(lang, key, args...)
	}
	return page
}

// renderLoginPage writes the login form with status.
func (s *server) renderLoginPage(c *gin.Context, status int, page console.LoginPage) {
	var buf bytes.Buffer
	if err := console.Login(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
