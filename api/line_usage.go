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
	ctx := c.Request.Context()
	sender, err := s.Channels.LINE(ctx, workspace(c))
	if s.answered(c, err, notConfiguredLINE) {
		return
	}
	u, err := lineusage.Read(ctx, sender, time.Now())
	if err != nil {
		problem(c, http.StatusBadGateway, "LINE did not answer its quota: "+err.Error())
		return
	}
	c.JSON(http.StatusOK, u)
}
