package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

type role int

const (
	roleWrite role = iota // ingestion: a write key, as HTTP Basic username (Segment's way), Bearer, or the body's writeKey
	roleAdmin             // management: an admin key as Bearer
)

// The gin context's values of an authenticated request (the console
// contract: read them with c.GetString).
const (
	workspaceKey = "tabiji.workspace"
	keyIDKey     = "tabiji.key"      // the id of the request's key, for audit records
	keyRoleKey   = "tabiji.key.role" // the store.Role of the request's key
	// A console session's person: id, address, role in the workspace, language.
	personKey       = "tabiji.person"
	personEmailKey  = "tabiji.person.email"
	personRoleKey   = "tabiji.person.role"
	personLocaleKey = "tabiji.person.locale"
)

// auth checks the request's key and puts its workspace, id and role in the
// context. An admin key may also ingest; a write key may only ingest; a
// client key may only ingest, and the ingestion handlers hold its calls to
// identity verification (client_keys.go).
//
// Management routes (roleAdmin) also take a console session cookie when
// the request has no Authorization header: the session's role must be
// allowed the route by the permission table (roles.go), and a request that
// changes something must carry the session's CSRF token (csrf.go).
func (s *server) auth(need role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if need == roleAdmin && c.GetHeader("Authorization") == "" && s.consoleSession(c) {
			return
		}
		secret, ok := credentials(c.Request, need)
		if !ok && need == roleWrite && c.Request.Method == http.MethodPost {
			if secret, ok = bodyKey(c); c.IsAborted() {
				return
			}
			ok = ok && secret != ""
		}
		if !ok {
			if need == roleWrite {
				c.Header("WWW-Authenticate", `Basic realm="tabiji"`)
				problem(c, http.StatusUnauthorized, "send the workspace write key as the HTTP Basic username (Authorization: Basic base64(key + \":\")) or in the body's writeKey field")
			} else {
				c.Header("WWW-Authenticate", `Bearer realm="tabiji"`)
				problem(c, http.StatusUnauthorized, "send an admin key as Authorization: Bearer <key>, or log in to the console")
			}
			return
		}
		key, err := s.Store.Authenticate(c.Request.Context(), secret)
		if s.answered(c, err, on(store.ErrNotFound, http.StatusUnauthorized, "the key is unknown or revoked")) {
			return
		}
		if need == roleAdmin && key.Role != store.RoleAdmin {
			problem(c, http.StatusForbidden, "this is a "+string(key.Role)+" key, which may only send events: use an admin key")
			return
		}
		c.Set(workspaceKey, key.WorkspaceID)
		c.Set(keyIDKey, key.ID)
		c.Set(keyRoleKey, key.Role)
		c.Next()
	}
}

func credentials(r *http.Request, need role) (string, bool) {
	if user, _, ok := r.BasicAuth(); ok && need == roleWrite && user != "" {
		return user, true
	}
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.TrimSpace(token) != "" {
		return strings.TrimSpace(token), true
	}
	return "", false
}

func workspace(c *gin.Context) string { return c.GetString(workspaceKey) }

// keyID is the id of the key that authenticated the request.
func keyID(c *gin.Context) string { return c.GetString(keyIDKey) }

// personID is the console session's person, "" for a key.
func personID(c *gin.Context) string { return c.GetString(personKey) }

// actor is who made the request: the key's id, or the session's person id.
func actor(c *gin.Context) string {
	if id := keyID(c); id != "" {
		return id
	}
	return personID(c)
}

// clientKey says whether the request came with a client key (a browser's
// or an app's), whose calls need identity verification to change a person.
func clientKey(c *gin.Context) bool {
	r, _ := c.Get(keyRoleKey)
	return r == store.RoleClient
}
