package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

type quarantinedResponse struct {
	MessageID  string               `json:"messageId"`
	Status     string               `json:"status"`
	Violations []taxonomy.Violation `json:"violations"`
	Event      store.EventJSON      `json:"event"`
	ReceivedAt time.Time            `json:"receivedAt"`
	UpdatedAt  time.Time            `json:"updatedAt"`
}

func toQuarantined(q store.QuarantinedEvent) quarantinedResponse {
	return quarantinedResponse{
		MessageID: q.MessageID, Status: q.Status, Violations: q.Violations, Event: q.Event.ToJSON(),
		ReceivedAt: q.ReceivedAt, UpdatedAt: q.UpdatedAt,
	}
}

// listQuarantine lists the workspace's quarantined events, oldest first
// (?order=newest: newest first), filterable by ?event= and paged by ?after=.
func (s *server) listQuarantine(c *gin.Context) {
	f := store.QuarantineFilter{Event: c.Query("event"), After: c.Query("after")}
	switch c.Query("order") {
	case "", "oldest":
	case "newest":
		f.Newest = true
	default:
		invalid(c, "order", "must be oldest or newest")
		return
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f.Limit = limit
	list, next, err := s.Store.ListQuarantined(c.Request.Context(), workspace(c), f)
	if s.answered(c, err) {
		return
	}
	out := make([]quarantinedResponse, len(list))
	for i, q := range list {
		out[i] = toQuarantined(q)
	}
	body := gin.H{"events": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}

func (s *server) getQuarantined(c *gin.Context) {
	q, err := s.Store.GetQuarantined(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noQuarantined(c)) {
		return
	}
	c.JSON(http.StatusOK, toQuarantined(q))
}

// fixQuarantined replaces the stored event with the body (the event object
// GET shows, edited) and answers it with the violations that remain under
// the current taxonomy. The body must be a valid Segment call (400 naming
// the field otherwise); its message id and workspace never change.
func (s *server) fixQuarantined(c *gin.Context) {
	var fixed store.EventJSON
	if !decodeJSON(c, trackLimit, &fixed, true) {
		return
	}
	if fixed.MessageID != "" && fixed.MessageID != c.Param("id") {
		invalid(c, "messageId", "must stay "+c.Param("id"))
		return
	}
	ev := fixed.ToEvent(workspace(c))
	ev.MessageID = c.Param("id")
	q, err := s.pipeline.FixQuarantined(c.Request.Context(), workspace(c), ev)
	if s.answered(c, err, noQuarantined(c)) {
		return
	}
	c.JSON(http.StatusOK, toQuarantined(q))
}

// replayQuarantined submits a quarantined event again, through the same
// pipeline as every Segment call (ingest.Pipeline.Submit), under the current taxonomy:
// let in, it is stored and routed and leaves the quarantine; blocked, it is
// dropped and counted; still failing, it stays with its new violations and
// the answer is 422 naming them.
func (s *server) replayQuarantined(c *gin.Context) {
	r, err := s.pipeline.Replay(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noQuarantined(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"messageId": r.MessageID, "action": r.Action, "violations": r.Violations})
}

// dropQuarantined deletes a quarantined event, counting it as dropped.
func (s *server) dropQuarantined(c *gin.Context) {
	if s.answered(c, s.Store.DropQuarantined(c.Request.Context(), workspace(c), c.Param("id")), noQuarantined(c)) {
		return
	}
	c.Status(http.StatusNoContent)
}

// noQuarantined is the 404 of a path naming an event not in quarantine.
func noQuarantined(c *gin.Context) outcome {
	return notFound("no quarantined event " + c.Param("id") + " in this workspace")
}
