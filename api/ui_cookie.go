package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// hostSessionCookie is the session cookie's name when the public URL is
// https: browsers take a __Host- cookie only Secure, on path / and with no
// Domain, so neither a plain-HTTP page nor a sibling subdomain can set or
// overwrite it.
const hostSessionCookie = "__Host-" + sessionCookie

// sessionCookieAttrs are the session cookie's name, path and Secure flag.
// The public URL decides, not r.TLS, since a TLS-terminating proxy in front
// forwards plain HTTP; without an https public URL the cookie is Secure
// when the request itself came over TLS.
func (s *server) sessionCookieAttrs(r *http.Request) (name, path string, secure bool) {
	if s.securePublic {
		return hostSessionCookie, "/", true
	}
	return sessionCookie, "/", r.TLS != nil
}

// sessionToken is the session cookie the request carries, or "".
func (s *server) sessionToken(c *gin.Context) string {
	name, _, _ := s.sessionCookieAttrs(c.Request)
	token, _ := c.Cookie(name)
	return token
}

// setSessionCookie sets (or, with maxAge < 0, clears) the session cookie:
// HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it).
func (s *server) setSessionCookie(c *gin.Context, token string, maxAge int) {
	name, path, secure := s.sessionCookieAttrs(c.Request)
	// Secure follows the request's scheme (sessionCookieAttrs): tabiji dev serves plain HTTP.
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: token, Path: path, MaxAge: maxAge, //nolint:gosec // G124: Secure follows the scheme, HttpOnly and SameSite are set
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure})
}

// loginAllowed takes a login attempt from the remote address and for the
// account tried (by its hash, so no address is held in memory); it
// refuses when either is over the login rate, saying how long to wait.
func (s *server) loginAllowed(c *gin.Context, account string) (bool, time.Duration) {
	now := time.Now()
	okAddr, waitAddr := s.loginByAddr.allow(c.ClientIP(), now)
	sum := sha256.Sum256([]byte(account))
	okKey, waitKey := s.loginByKey.allow(hex.EncodeToString(sum[:]), now)
	return okAddr && okKey, max(waitAddr, waitKey)
}
