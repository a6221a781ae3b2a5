package api

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/lineusage"
)

// uiLine renders the month's LINE use and forecast (what GET /v1/line/usage
// answers), in the workspace's language, or says why it cannot be read.
func (s *server) uiLine(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	frame, err := s.frame(c, console.SectionJourneys, "line.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.LINEPage{Frame: frame}
	status := http.StatusOK
	sender, err := s.Channels.LINE(ctx, ws)
	switch {
	case errors.Is(err, settings.ErrNotConfigured):
		page.Problem = console.T(frame.Lang, "line.notset")
	case err != nil:
		s.fail(c, err)
		return
	default:
		u, err := lineusage.Read(ctx, sender, time.Now())
		if err != nil {
			status, page.Problem = http.StatusBadGateway, console.T(frame.Lang, "line.noanswer", err.Error())
		} else {
			page.Usage = &u
		}
	}
	var buf bytes.Buffer
	if err := console.LINE(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
