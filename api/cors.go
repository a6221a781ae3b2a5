package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/cors"
)

// ingestCORS lets web pages of any origin call the ingestion routes with a
// client key in the Authorization header (rs/cors answers the preflight and
// sets the headers, so the rules are a well-kept library's). No cookie is
// involved, so "*" exposes nothing a key does not already grant. Management
// routes and the console have no CORS: a browser on another origin cannot
// read them.
func ingestCORS() gin.HandlerFunc {
	c := cors.New(cors.Options{
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type", "Content-Encoding"},
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
