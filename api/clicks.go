package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// clickRecordTimeout bounds how long a click waits for its recording: the
// customer is on the way to the page.
const clickRecordTimeout = 3 * time.Second

// clickRedirect is GET /r/:token: the click redirect of tracked links
// (package clicks). A token this server did not sign (tampered, truncated,
// too long) is a 404 problem, never a redirect; a good one records
// <channel>_clicked for its customer and redirects (302) to exactly the URL
// it carries. A click whose recording fails is logged and still redirected:
// the customer reaches the page. HEAD (link previews, prefetchers)
// redirects without recording.
func (s *server) clickRedirect(c *gin.Context) {
	if s.Clicks == nil {
		problem(c, http.StatusServiceUnavailable, "click tracking is off on this server: it needs TABIJI_SECRETS_KEY")
		return
	}
	l, err := s.Clicks.Parse(c.Param("token"))
	if err != nil {
		problem(c, http.StatusNotFound, "no such link: the token is not one this server signed")
		return
	}
	if c.Request.Method == http.MethodGet {
		ctx, cancel := context.WithTimeout(c.Request.Context(), clickRecordTimeout)
		defer cancel()
		if _, err := s.engagement.Click(ctx, l.WorkspaceID, l.CustomerID, l.MessageID, l.Channel, l.URL); err != nil {
			s.Logger.Error("click not recorded", "workspace", l.WorkspaceID, "message", l.MessageID, "error", err)
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer") // the token names the customer: not for the destination's logs
	c.Redirect(http.StatusFound, l.URL)
}
