package api

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/jsonfields"
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

// listQuarantine lists the workspace's quarantined events, oldest first,
// filterable by ?event= and paged by ?after=.
func (s *server) listQuarantine(c *gin.Context) {
	f := store.QuarantineFilter{Event: c.Query("event"), After: c.Query("after")}
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
	ctx, ws := c.Request.Context(), workspace(c)
	ev := fixed.ToEvent(ws)
	ev.MessageID = c.Param("id")
	m, err := decodeStored(ev)
	if err != nil {
		decodeProblem(c, err)
		return
	}
	t, err := s.taxonomies.Get(ctx, ws)
	if err != nil {
		s.fail(c, err)
		return
	}
	q, err := s.Store.FixQuarantined(ctx, ws, ev.MessageID, ingest.ToEvent(ws, &m, nil), ingest.Check(t, &m).Violations)
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
	ctx, ws := c.Request.Context(), workspace(c)
	q, err := s.Store.GetQuarantined(ctx, ws, c.Param("id"))
	if s.answered(c, err, noQuarantined(c)) {
		return
	}
	m, err := decodeStored(q.Event)
	if err != nil {
		decodeProblem(c, err) // only an event stored before a fix validated it
		return
	}
	t, err := s.taxonomies.Get(ctx, ws)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := ingest.Check(t, &m)
	if v.Action == taxonomy.ActionReject || v.Action == taxonomy.ActionQuarantine {
		if _, err := s.Store.FixQuarantined(ctx, ws, q.MessageID, q.Event, v.Violations); s.answered(c, err, noQuarantined(c)) {
			return
		}
		violationProblem(c, "the event still breaks the taxonomy: fix it (PUT) and replay, or drop it", v.Violations)
		return
	}
	res, err := s.pipeline.Submit(ctx, ws, []ingest.Message{m})
	if err != nil {
		s.fail(c, ingestError(err))
		return
	}
	if len(res.Rejected) > 0 || res.Quarantined > 0 { // the taxonomy changed under us
		problem(c, http.StatusConflict, "the taxonomy changed during the replay: replay again")
		return
	}
	if res.RouteErr != nil {
		// Stored but not yet routed: the sweeper routes it.
		s.Logger.Warn("route replayed event", "messageId", q.MessageID, "error", res.RouteErr)
	}
	if s.answered(c, s.Store.ReleaseQuarantined(ctx, ws, q.MessageID), noQuarantined(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"messageId": q.MessageID, "action": v.Action, "violations": v.Violations})
}

// decodeStored rebuilds the Segment call a stored event came from and
// decodes it as ingestion decodes calls, received now.
func decodeStored(ev store.Event) (ingest.Message, error) {
	typ := cmp.Or(ev.Type, ingest.Track)
	call := map[string]any{"type": typ, "messageId": ev.MessageID}
	if ev.UserID != "" && ev.UserID != ev.AnonymousID { // ingestion stores an anonymous caller's id in both
		call["userId"] = ev.UserID
	}
	if ev.AnonymousID != "" {
		call["anonymousId"] = ev.AnonymousID
	}
	nameField := "event"
	if typ == ingest.Page || typ == ingest.Screen {
		nameField = "name"
	}
	for field, v := range map[string]string{nameField: ev.Name, "groupId": ev.GroupID, "previousId": ev.PreviousID} {
		if v != "" {
			call[field] = v
		}
	}
	for field, raw := range map[string]json.RawMessage{"properties": ev.Properties, "traits": ev.Traits, "context": ev.Context} {
		if len(raw) > 0 && string(raw) != "null" {
			call[field] = raw
		}
	}
	if !ev.Timestamp.IsZero() {
		call["timestamp"] = ev.Timestamp.Format(time.RFC3339Nano)
	}
	body, err := json.Marshal(call)
	if err != nil {
		return ingest.Message{}, fmt.Errorf("encode the stored call: %w", err)
	}
	return ingest.Decode(typ, body, time.Now().UTC())
}

// violationProblem answers 422 with one error per violation, named by its
// field ("properties.total") and saying the rule.
func violationProblem(c *gin.Context, detail string, vs []taxonomy.Violation) {
	errs := make([]jsonfields.Error, len(vs))
	for i, v := range vs {
		errs[i] = jsonfields.Error{Field: v.Field, Message: v.Rule + ": " + v.Message}
	}
	problem(c, http.StatusUnprocessableEntity, detail, errs...)
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
