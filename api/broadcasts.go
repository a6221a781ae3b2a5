package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/broadcasts"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// Broadcasts: one message to a segment on a channel, now or at send_at,
// sent by one Temporal workflow per broadcast (workflows.Broadcast).

type broadcastRequest struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Segment    string              `json:"segment"`
	Channel    string              `json:"channel"`
	Template   string              `json:"template"` // a stored message template's ID, or
	Content    json.RawMessage     `json:"content"`  // inline content in the template format
	Topic      string              `json:"topic"`
	QuietHours *journey.QuietHours `json:"quietHours"`
	// Transactional: not advertising, so the advertising-mail policy's
	// opt-in rule and sender block do not apply.
	Transactional bool `json:"transactional"`
	// ABTest sends variants to a share of the audience, then the winner
	// to the rest.
	ABTest *broadcasts.ABTest `json:"abTest"`
}

type broadcastResponse struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Segment    string          `json:"segment"`
	Channel    string          `json:"channel"`
	Template   string          `json:"template,omitempty"`
	Content    json.RawMessage `json:"content,omitempty"`
	Topic      string          `json:"topic,omitempty"`
	QuietHours json.RawMessage `json:"quietHours,omitempty"`
	// Transactional says the broadcast is not advertising.
	Transactional bool          `json:"transactional"`
	Status        string        `json:"status"`
	SendAt        *time.Time    `json:"sendAt,omitempty"`
	Error         string        `json:"error,omitempty"`
	WorkflowID    string        `json:"workflowId"`
	CreatedAt     time.Time     `json:"createdAt"`
	StartedAt     *time.Time    `json:"startedAt,omitempty"`
	FinishedAt    *time.Time    `json:"finishedAt,omitempty"`
	Progress      *progressBody `json:"progress,omitempty"`
	// Live is the running workflow's own count (its progress query).
	Live *workflows.BroadcastProgress `json:"live,omitempty"`
	// ABTest is the A/B test as written; ABResults its counts per variant
	// and, once picked, the winner with its decision.
	ABTest    json.RawMessage      `json:"abTest,omitempty"`
	ABResults *broadcasts.ABStatus `json:"abResults,omitempty"`
}

// progressBody is a broadcast's progress as its messages in Postgres say.
type progressBody struct {
	Audience  int            `json:"audience"`
	Sent      int            `json:"sent"`
	Sending   int            `json:"sending"`
	Failed    int            `json:"failed"`
	Skipped   map[string]int `json:"skipped"`
	Deferred  int            `json:"deferred"`
	Remaining int            `json:"remaining"`
}

func toBroadcastResponse(b store.Broadcast) broadcastResponse {
	return broadcastResponse{ID: b.ID, Name: b.Name, Segment: b.SegmentID, Channel: b.Channel, Template: b.TemplateID,
		Content: b.Content, Topic: b.Topic, QuietHours: b.QuietHours, Transactional: b.Transactional, Status: b.Status, SendAt: b.SendAt, Error: b.Error,
		WorkflowID: workflows.BroadcastWorkflowID(b.WorkspaceID, b.ID), CreatedAt: b.CreatedAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
		ABTest: b.ABTest}
}

// createBroadcast stores a draft broadcast (broadcasts.Scheduler.Create
// checks its fields); POST /v1/broadcasts/{id}/schedule sends it.
func (s *server) createBroadcast(c *gin.Context) {
	var req broadcastRequest
	if !decodeJSON(c, 1<<20, &req, true) || !nameAndID(c, &req.Name, &req.ID, "") {
		return
	}
	b, err := s.broadcasts.Create(c.Request.Context(), workspace(c), broadcasts.Draft{ID: req.ID, Name: req.Name,
		Segment: req.Segment, Channel: req.Channel, Template: req.Template, Content: req.Content, Topic: req.Topic,
		QuietHours: req.QuietHours, Transactional: req.Transactional, ABTest: req.ABTest})
	if s.answered(c, err, conflict("a broadcast with id "+req.ID+" already exists", taken("id"))) {
		return
	}
	c.Header("Location", "/v1/broadcasts/"+b.ID)
	c.JSON(http.StatusCreated, toBroadcastResponse(b))
}

// getBroadcast answers the broadcast with its progress, and the running
// workflow's own count when it answers within two seconds.
func (s *server) getBroadcast(c *gin.Context) {
	st, err := s.broadcasts.Get(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, toBroadcastStatus(st))
}

// toBroadcastStatus is a broadcast with its progress as the API shows it.
func toBroadcastStatus(st broadcasts.Status) broadcastResponse {
	b, p := st.Broadcast, st.Progress
	resp := toBroadcastResponse(b)
	remaining := max(0, b.Audience-p.Processed)
	if b.FinishedAt != nil {
		remaining = 0
	}
	resp.Progress = &progressBody{Audience: b.Audience, Sent: p.Sent, Sending: p.Sending, Failed: p.Failed,
		Skipped: p.Skipped, Deferred: p.Deferred, Remaining: remaining}
	resp.Live, resp.ABResults = st.Live, st.AB
	return resp
}

// listBroadcasts pages the workspace's broadcasts, oldest first, each with
// its progress.
func (s *server) listBroadcasts(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	list, next, err := s.broadcasts.List(c.Request.Context(), workspace(c), limit, c.Query("after"))
	if s.answered(c, err) {
		return
	}
	out := make([]broadcastResponse, 0, len(list))
	for _, st := range list {
		out = append(out, toBroadcastStatus(st))
	}
	c.JSON(http.StatusOK, gin.H{"broadcasts": out, "next": next})
}
