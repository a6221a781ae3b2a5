package api

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// statementTimeoutDetail answers a request whose database statement ran
// past its statement timeout (store.Options) and was cancelled.
const statementTimeoutDetail = "the database query took longer than the statement timeout allows and was cancelled: " +
	"narrow the request (a smaller page, a simpler segment) or try again later"

// logPath is the request's path as logs may carry it: the path parameters
// that are secrets (the signed token of an unsubscribe link, /u/:token)
// are left as their route's placeholder.
func logPath(c *gin.Context) string {
	path := c.Request.URL.Path
	if tok := c.Param("token"); tok != "" {
		path = strings.ReplaceAll(path, tok, ":token")
	}
	return path
}
