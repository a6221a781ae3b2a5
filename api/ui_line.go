package api

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/lineusage"
	"github.com/tabiji/tabiji/report"
)

// uiLine renders the month's LINE use and forecast (what GET /v1/line/usage
// answers), in the workspace's language, or says why it cannot be read.
func (s *server) uiLine(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	set, err := s.Store.WorkspaceSettings(ctx, ws)
	if err != nil {
		s.fail(c, err)
		return
	}
	page := report.LINEPage{Locale: set.Locale}
	status := http.StatusOK
	sender, err := s.Channels.LINE(ctx, ws)
	switch {
	case errors.Is(err, settings.ErrNotConfigured):
		page.Problem = "LINE is not set up for this workspace: set its channel access token (PUT /v1/channels/line, or tabiji channels set line)."
	case err != nil:
		s.fail(c, err)
		return
	default:
		u, err := lineusage.Read(ctx, sender, time.Now())
		if err != nil {
			status, page.Problem = http.StatusBadGateway, "LINE did not answer its quota: "+err.Error()+". Try again in a minute."
		} else {
			page.Usage = &u
		}
	}
	var buf bytes.Buffer
	if err := report.LINE(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
