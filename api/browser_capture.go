package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/webcapture"
)

// shortRoutes are the paths Segment's browser library posts to: the first
// letter of the call's type under its apiHost ({apiHost}/t), and /b for a
// batch.
var shortRoutes = map[string]string{"t": "track", "p": "page", "i": "identify", "g": "group", "a": "alias", "s": "screen"}

// originsBody is GET and PUT /v1/workspace/allowed-origins.
type originsBody struct {
	Origins []string `json:"origins"`
}

// getAllowedOrigins is GET /v1/workspace/allowed-origins.
func (s *server) getAllowedOrigins(c *gin.Context) {
	origins, err := s.Store.AllowedOrigins(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, originsBody{Origins: origins})
}

// putAllowedOrigins is PUT /v1/workspace/allowed-origins: the web origins
// whose pages may send the workspace's events.
func (s *server) putAllowedOrigins(c *gin.Context) {
	var body originsBody
	if !decodeJSON(c, 64<<10, &body, true) {
		return
	}
	origins, err := webcapture.CheckOrigins(body.Origins)
	if s.answered(c, err) {
		return
	}
	if s.answered(c, s.Store.SetAllowedOrigins(c.Request.Context(), workspace(c), origins)) {
		return
	}
	s.origins.Invalidate(workspace(c))
	s.everyOrigin.Invalidate(everyOriginKey)
	c.JSON(http.StatusOK, originsBody{Origins: origins})
}

// browserSettings is GET /v1/projects/{writeKey}/settings, the document
// Segment's browser library loads from its CDN at start; pointed at Tabiji
// (analytics._cdn), it sends every call back to this API.
func (s *server) browserSettings(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, webcapture.NewSettings(c.Param("writeKey"), s.publicBase(c.Request)))
}

// publicBase is the API's public URL (TABIJI_PUBLIC_URL), or the address
// the request came to.
func (s *server) publicBase(r *http.Request) *url.URL {
	if u, err := url.Parse(s.PublicURL); err == nil && s.PublicURL != "" && u.Host != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host}
}

// pathKey authenticates the write or client key in the path, as the
// browser library's settings URL holds it. An admin key is refused: it
// must never be in a page.
func (s *server) pathKey(c *gin.Context) {
	key, err := s.Store.Authenticate(c.Request.Context(), c.Param("writeKey"))
	if s.answered(c, err, on(store.ErrNotFound, http.StatusNotFound, "no such write key: it is unknown or revoked")) {
		return
	}
	if key.Role == store.RoleAdmin {
		problem(c, http.StatusForbidden, "this is an admin key, which must never be in a web page: use a client key")
		return
	}
	c.Set(workspaceKey, key.WorkspaceID)
	c.Set(keyIDKey, key.ID)
	c.Set(keyRoleKey, key.Role)
	c.Next()
}

// bodyKey reads the write key from the body's writeKey field, where
// Segment's browser library and text/plain beacons put it, and leaves the
// body (unzipped) for the handler. It answers a problem and returns false
// when the body cannot be read.
func bodyKey(c *gin.Context) (string, bool) {
	body, ok := readBody(c, ingest.MaxBatch)
	if !ok {
		return "", false
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	c.Request.Header.Del("Content-Encoding")
	var k struct {
		WriteKey string `json:"writeKey"`
	}
	_ = json.Unmarshal(body, &k) // not JSON: no key, and the handler names the fault
	return k.WriteKey, true
}
