package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/lineusage"
)

// lineUsage is GET /v1/line/usage: the month's LINE quota, use and
// forecast (package lineusage), as the console shows them.
func (s *server) lineUsage(c *gin.Context) {
	u, err := lineusage.OfWorkspace(c.Request.Context(), s.Channels, workspace(c), time.Now())
	if s.answered(c, err, notConfiguredLINE) {
		return
	}
	c.JSON(http.StatusOK, u)
}
