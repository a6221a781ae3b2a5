package api

import (
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// liveSession is the request's console session: ok is false without a
// session cookie or with an unknown or expired one; err is a failed lookup.
func (s *server) liveSession(c *gin.Context) (ss store.Session, ok bool, err error) {
	token := s.sessionToken(c)
	if token == "" {
		return store.Session{}, false, nil
	}
	ss, err = s.Store.SessionByToken(c.Request.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, false, nil
	}
	return ss, err == nil, err
}

// setSession puts the session's workspace and person in the context, as
// the console contract names them.
func setSession(c *gin.Context, ss store.Session) {
	c.Set(workspaceKey, ss.WorkspaceID)
	c.Set(personKey, ss.PersonID)
	c.Set(personEmailKey, ss.Email)
	c.Set(personRoleKey, ss.Role)
	c.Set(personLocaleKey, ss.Locale)
}

// consoleSession serves a management request made with a live console
// session: the route must be open to the session's role (roles.go) and a
// change must carry the CSRF token (csrf.go). It reports whether it
// handled the request (served it, refused it, or failed); a request with
// no live session is left to the key check.
func (s *server) consoleSession(c *gin.Context) bool {
	ss, ok, err := s.liveSession(c)
	switch {
	case err != nil:
		s.fail(c, err)
		return true
	case !ok:
		return false
	}
	setSession(c, ss)
	if !permitted(c, ss.Role) || !s.csrfChecked(c) {
		return true
	}
	c.Next()
	return true
}
