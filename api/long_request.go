package api

import (
	"time"

	"net/http"

	"github.com/gin-gonic/gin"
)

// LongRequestTimeout is how long a streaming request (a profile import or
// export) may read and write, past the server's ReadTimeout and WriteTimeout.
const LongRequestTimeout = time.Hour

// longRequest lifts the connection's read and write deadlines for a
// streaming endpoint, so the server-wide timeouts that cut slow clients
// short do not cut a large export short.
func longRequest(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	deadline := time.Now().Add(LongRequestTimeout)
	// Errors mean the writer has no deadlines (a test recorder): nothing to lift.
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
	c.Next()
}
