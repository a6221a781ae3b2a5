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
	"github.com/tabiji/tabiji/store"
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
	u, err := lineusage.OfWorkspace(ctx, s.Channels, ws, time.Now())
	var refused *store.Refusal
	switch {
	case errors.Is(err, settings.ErrNotConfigured):
		page.Problem = console.T(frame.Lang, "line.notset")
	case errors.As(err, &refused) && refused.Cause != nil:
		status, page.Problem = http.StatusBadGateway, console.T(frame.Lang, "line.noanswer", refused.Cause.Error())
	case err != nil:
		s.fail(c, err)
		return
	default:
		page.Usage = &u
	}
	var buf bytes.Buffer
	if err := console.LINE(&buf, page); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
