package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/lineusage"
	"github.com/tabiji/tabiji/store"
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

// lineQuotaCheck compares a LINE broadcast's audience with what remains
// of the month before it is scheduled. Over the quota it refuses (a 422
// naming allowOverQuota and the numbers) unless allow is set, and then
// answers the warning to show. A workspace without LINE credentials sends
// to the outbox: nothing to check.
func (s *server) lineQuotaCheck(c *gin.Context, b store.Broadcast, allow bool) (warning string, ok bool) {
	ctx := c.Request.Context()
	sender, err := s.Channels.LINE(ctx, b.WorkspaceID)
	if errors.Is(err, settings.ErrNotConfigured) {
		return "", true
	}
	if s.answered(c, err) {
		return "", false
	}
	audience, err := s.Store.CountSegmentLINEUsers(ctx, b.WorkspaceID, b.SegmentID)
	if s.answered(c, err, on(store.ErrNotFound, http.StatusUnprocessableEntity, "the broadcast's segment "+b.SegmentID+" is gone",
		jsonfields.Error{Field: "segment", Message: "no such segment"})) {
		return "", false
	}
	u, err := lineusage.Read(ctx, sender, time.Now())
	if err != nil {
		if allow {
			return "LINE's quota could not be read (" + err.Error() + "); scheduled as allowOverQuota asked", true
		}
		problem(c, http.StatusBadGateway, "LINE's quota could not be read, so the broadcast's "+strconv.FormatInt(audience, 10)+
			" LINE users cannot be checked against it: try again, or schedule with allowOverQuota true: "+err.Error())
		return "", false
	}
	short := lineusage.Check(u, audience)
	switch {
	case short == nil:
		return "", true
	case allow:
		return short.Error(), true
	}
	problem(c, http.StatusUnprocessableEntity, short.Error(), jsonfields.Error{Field: "allowOverQuota",
		Message: "must be true to send past the month's LINE quota: " + strconv.FormatInt(short.Over(), 10) +
			" messages would be billed (audience " + strconv.FormatInt(audience, 10) + ", remaining " + strconv.FormatInt(u.Remain, 10) + ")"})
	return "", false
}
