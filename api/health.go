package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthz says the process is alive; it checks nothing else.
func (s *server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether Postgres and Temporal answer (readiness.Checker):
// "ok" or "failing" per part, the errors in the log.
func (s *server) readyz(c *gin.Context) {
	r := s.readiness.Check(c.Request.Context())
	if !r.Ready {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": r.Checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": r.Checks})
}
