package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/broadcasts"
)

type scheduleRequest struct {
	// SendAt is an RFC 3339 time, or a local time with no offset
	// ("2026-12-08T10:00") read in the workspace's zone; now when absent
	// or past.
	SendAt string `json:"sendAt"`
	// AllowOverQuota schedules a LINE broadcast whose audience is past
	// what remains of the month's LINE quota (line_usage.go).
	AllowOverQuota bool `json:"allowOverQuota"`
}

// scheduledResponse is the broadcast scheduled, with the quota warning of
// a LINE broadcast sent past the month's allowance.
type scheduledResponse struct {
	broadcastResponse
	QuotaWarning string `json:"quotaWarning,omitempty"`
}

// scheduleBroadcast starts the broadcast's workflow, which sends at
// sendAt, or moves the sendAt of one still waiting (broadcasts.Scheduler).
func (s *server) scheduleBroadcast(c *gin.Context) {
	var req scheduleRequest
	if c.Request.ContentLength != 0 && !decodeJSON(c, 1<<10, &req, true) {
		return
	}
	out, err := s.approvals.ScheduleBroadcast(c.Request.Context(), workspace(c), c.Param("id"),
		broadcasts.Request{SendAt: req.SendAt, AllowOverQuota: req.AllowOverQuota}, approvalActor(c))
	if s.answered(c, err) {
		return
	}
	if out.Request != nil {
		requested(c, *out.Request)
		return
	}
	done := out.Scheduled
	c.JSON(http.StatusAccepted, scheduledResponse{toBroadcastResponse(done.Broadcast), done.QuotaWarning})
}

// controlBroadcast signals pause, resume or cancel to the broadcast's
// workflow: a pause takes effect between batches. A draft has no workflow:
// it can only be cancelled, which the store records at once.
func (s *server) controlBroadcast(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, signalled, err := s.broadcasts.Control(c.Request.Context(), workspace(c), c.Param("id"), action)
		if s.answered(c, err) {
			return
		}
		status := http.StatusOK // a draft cancelled at once
		if signalled {
			status = http.StatusAccepted
		}
		c.JSON(status, toBroadcastResponse(b))
	}
}
