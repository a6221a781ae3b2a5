package api

import (
	"crypto/subtle"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/people"
)

// csrfHeader carries a console session's CSRF token on every request that
// changes something; console pages read it from <meta name="csrf-token">.
const csrfHeader = "X-CSRF-Token"

// csrfToken is the CSRF token of the request's session, "" without one.
// It is derived from the session's token (people.CSRFToken), so it lives
// and dies with the session and needs no storage.
func (s *server) csrfToken(c *gin.Context) string {
	return people.CSRFToken(s.sessionToken(c))
}

// csrfChecked lets a safe request (GET, HEAD, OPTIONS) through, and any
// other only with the session's token in X-CSRF-Token (or, for the
// console's plain HTML forms, a csrf_token form field); else it answers 403.
// SameSite=Strict already keeps other sites' requests from carrying the
// cookie; the token also stops a same-site page (another app on a sibling
// path, an injected form) from acting with it.
func (s *server) csrfChecked(c *gin.Context) bool {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	want := s.csrfToken(c)
	got := c.GetHeader(csrfHeader)
	if got == "" && c.ContentType() == "application/x-www-form-urlencoded" {
		got = c.PostForm("csrf_token")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		problem(c, http.StatusForbidden, "a change made with a console session must carry the session's CSRF token in the "+csrfHeader+" header")
		return false
	}
	return true
}
