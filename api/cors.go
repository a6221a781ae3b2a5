package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/rs/cors"

	"github.com/tabiji/tabiji/jsonfields"
)

// everyOriginKey is the one key of the cache of every workspace's origins.
const everyOriginKey = "*"

// ingestCORS lets web pages call the ingestion routes and load the browser
// library's settings (rs/cors answers the preflight and sets the headers,
// so the rules are a well-kept library's). A preflight names no key, so it
// is answered for the origins some workspace allows; the call itself is then
// held to its own workspace's list (pageOrigin). No cookie is involved.
// Management routes and the console have no CORS: a browser on another
// origin cannot read them.
func (s *server) ingestCORS() gin.HandlerFunc {
	c := cors.New(cors.Options{
		AllowOriginVaryRequestFunc: func(r *http.Request, origin string) (bool, []string) {
			every, err := s.everyOrigin.Get(r.Context(), everyOriginKey)
			if err != nil {
				s.Logger.Error("read allowed origins", "error", err)
				return false, nil
			}
			return every[origin], nil
		},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		// Segment's browser library adds X-Retry-Count to a retried call.
		AllowedHeaders: []string{"Authorization", "Content-Type", "Content-Encoding", "X-Retry-Count"},
		MaxAge:         600,
	})
	return func(g *gin.Context) {
		c.HandlerFunc(g.Writer, g.Request)
		if g.Request.Method == http.MethodOptions {
			g.Abort()
			return
		}
		g.Next()
	}
}

// pageOrigin refuses a call made from a web page (it has an Origin header)
// whose origin the key's workspace does not allow, so a page elsewhere
// cannot send its events even where CORS would not stop it (text/plain
// beacons need no preflight). Calls from servers carry no Origin.
func (s *server) pageOrigin(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" {
		c.Next()
		return
	}
	allowed, err := s.origins.Get(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return
	}
	if !slices.Contains(allowed, origin) {
		const msg = "is not among the workspace's allowed origins: add it with PUT /v1/workspace/allowed-origins"
		problem(c, http.StatusForbidden, "Origin "+origin+" "+msg, jsonfields.Error{Field: "Origin", Message: msg})
		return
	}
	c.Next()
}
