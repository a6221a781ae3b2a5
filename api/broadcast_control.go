package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
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

// sendAtLayouts are the local times a sendAt may be without an offset.
var sendAtLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// sendTime reads the request's sendAt: an RFC 3339 time, or a local time
// in the workspace's zone; zero when absent.
func (s *server) sendTime(c *gin.Context, raw string) (time.Time, bool) {
	if raw == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, true
	}
	tz, err := s.Store.WorkspaceTimezone(c.Request.Context(), workspace(c))
	if s.answered(c, err) {
		return time.Time{}, false
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		s.fail(c, err)
		return time.Time{}, false
	}
	for _, layout := range sendAtLayouts {
		if t, err := time.ParseInLocation(layout, raw, loc); err == nil {
			return t, true
		}
	}
	problem(c, http.StatusUnprocessableEntity, "sendAt: must be an RFC 3339 time or a local time such as 2026-12-08T10:00",
		jsonfields.Error{Field: "sendAt", Message: "must be an RFC 3339 time (2026-12-08T10:00:00+09:00) or a local time in the workspace's zone (2026-12-08T10:00)"})
	return time.Time{}, false
}

// scheduleBroadcast starts the broadcast's workflow, which sends at
// sendAt, or moves the sendAt of one still waiting. SignalWithStart makes
// both one call: the reschedule signal starts the workflow or reaches it.
// The row is marked scheduled first: a workflow started first can mark it
// sending before the row is written, and a "now" broadcast would then be
// refused as begun meanwhile although it is this call that began it. If
// Temporal then fails, the row stays scheduled with no run, and scheduling
// again (allowed while scheduled) starts it.
func (s *server) scheduleBroadcast(c *gin.Context) {
	var req scheduleRequest
	if c.Request.ContentLength != 0 && !decodeJSON(c, 1<<10, &req, true) {
		return
	}
	b, ok := s.broadcast(c)
	if !ok {
		return
	}
	if b.Status != store.BroadcastDraft && b.Status != store.BroadcastScheduled {
		problem(c, http.StatusConflict, "broadcast "+b.ID+" is "+b.Status+": only a draft or a scheduled broadcast can be scheduled")
		return
	}
	if !s.broadcastReadyToAdvertise(c, b) {
		return
	}
	at, ok := s.sendTime(c, req.SendAt)
	if !ok {
		return
	}
	sendAt := time.Now().UTC()
	if at.After(sendAt) {
		sendAt = at.UTC()
	}
	var warning string
	if b.Channel == "line" {
		if warning, ok = s.lineQuotaCheck(c, b, req.AllowOverQuota); !ok {
			return
		}
	}
	sched, err := s.broadcastSchedule(c, b, sendAt)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	b, err = s.Store.ScheduleBroadcast(ctx, sched.WorkspaceID, sched.BroadcastID, sendAt)
	if s.answered(c, err, conflict("broadcast "+sched.BroadcastID+" began sending meanwhile: its send time stays")) {
		return
	}
	if err := workflows.ScheduleBroadcast(ctx, s.Temporal, s.TaskQueue, sched); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, scheduledResponse{toBroadcastResponse(b), warning})
}

// broadcastSchedule is what the workflow sends, the template's version
// pinned now so that editing the template does not change a broadcast
// under way.
func (s *server) broadcastSchedule(c *gin.Context, b store.Broadcast, sendAt time.Time) (workflows.BroadcastSchedule, error) {
	spec := workflows.BroadcastSchedule{WorkspaceID: b.WorkspaceID, BroadcastID: b.ID, SegmentID: b.SegmentID, Channel: b.Channel,
		TemplateID: b.TemplateID, Content: b.Content, Topic: b.Topic, SendAt: sendAt, Transactional: b.Transactional}
	if len(b.QuietHours) > 0 {
		spec.QuietHours = &journey.QuietHours{}
		if err := json.Unmarshal(b.QuietHours, spec.QuietHours); err != nil {
			return spec, err
		}
		if spec.QuietHours.Timezone == "" {
			// Quiet hours with no zone keep the workspace's, for customers
			// whose profile names none.
			tz, err := s.Store.WorkspaceTimezone(c.Request.Context(), b.WorkspaceID)
			if err != nil {
				return spec, err
			}
			spec.QuietHours.Timezone = tz
		}
	}
	if b.TemplateID != "" {
		t, err := s.Store.GetMessageTemplate(c.Request.Context(), b.WorkspaceID, b.TemplateID, 0)
		if err != nil {
			return spec, err
		}
		spec.TemplateVersion = t.Version
	}
	return spec, nil
}

// controlBroadcast signals pause, resume or cancel to the broadcast's
// workflow: a pause takes effect between batches. A draft has no workflow:
// it can only be cancelled, which the store records at once.
func (s *server) controlBroadcast(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, ok := s.broadcast(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		switch {
		case b.FinishedAt != nil:
			problem(c, http.StatusConflict, "broadcast "+b.ID+" has ended ("+b.Status+")")
			return
		case b.Status == store.BroadcastDraft && action == workflows.BroadcastCancel:
			if err := s.Store.SetBroadcastStatus(ctx, b.WorkspaceID, b.ID, store.BroadcastCancelled, 0, ""); err != nil {
				s.fail(c, err)
				return
			}
			b.Status = store.BroadcastCancelled
			c.JSON(http.StatusOK, toBroadcastResponse(b))
			return
		case b.Status == store.BroadcastDraft:
			problem(c, http.StatusConflict, "broadcast "+b.ID+" is a draft: schedule it first (POST /v1/broadcasts/"+b.ID+"/schedule)")
			return
		}
		id := workflows.BroadcastWorkflowID(b.WorkspaceID, b.ID)
		if err := s.Temporal.SignalWorkflow(ctx, id, "", workflows.BroadcastControlSignal, workflows.BroadcastControl{Action: action}); err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusAccepted, toBroadcastResponse(b))
	}
}
