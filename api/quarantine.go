package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
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
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			invalid(c, "limit", "must be a whole number from 1 to 500")
			return
		}
		f.Limit = n
	}
	list, next, err := s.Store.ListQuarantined(c.Request.Context(), workspace(c), f)
	if errors.Is(err, store.ErrInvalidCursor) {
		invalid(c, "after", "is not a cursor this API returned")
		return
	}
	if err != nil {
		s.fail(c, err)
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
	if s.quarantineError(c, err) {
		return
	}
	c.JSON(http.StatusOK, toQuarantined(q))
}

// fixQuarantined replaces the stored event with the body (the event as
// GET shows it, edited) and answers it with the violations that remain
// under the current taxonomy. The message id and workspace never change.
func (s *server) fixQuarantined(c *gin.Context) {
	var fixed store.EventJSON
	if !decodeJSON(c, trackLimit, &fixed, true) {
		return
	}
	if fixed.MessageID != "" && fixed.MessageID != c.Param("id") {
		invalid(c, "messageId", "must stay "+c.Param("id"))
		return
	}
	for field, raw := range map[string]json.RawMessage{"properties": fixed.Properties, "traits": fixed.Traits, "context": fixed.Context} {
		if len(raw) > 0 && string(raw) != "null" && raw[0] != '{' {
			invalid(c, "event."+field, "must be a JSON object")
			return
		}
	}
	ctx := c.Request.Context()
	t, err := s.taxonomies.get(ctx, workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	ev := fixed.ToEvent(workspace(c))
	q, err := s.Store.FixQuarantined(ctx, workspace(c), c.Param("id"), ev, verdictFor(t, ev).Violations)
	if s.quarantineError(c, err) {
		return
	}
	c.JSON(http.StatusOK, toQuarantined(q))
}

// replayQuarantined submits a quarantined event again under the current
// taxonomy: let in, it is stored and routed like a new event and leaves the
// quarantine; blocked, it is dropped and counted; still failing, it stays
// with its new violations and the answer is 422 naming them.
func (s *server) replayQuarantined(c *gin.Context) {
	ctx := c.Request.Context()
	ws := workspace(c)
	q, err := s.Store.GetQuarantined(ctx, ws, c.Param("id"))
	if s.quarantineError(c, err) {
		return
	}
	t, err := s.taxonomies.get(ctx, ws)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := verdictFor(t, q.Event)
	switch v.Action {
	case taxonomy.ActionDrop:
		err = s.Store.DropQuarantined(ctx, ws, q.MessageID)
	case taxonomy.ActionReject, taxonomy.ActionQuarantine:
		if _, err = s.Store.FixQuarantined(ctx, ws, q.MessageID, q.Event, v.Violations); err == nil {
			violationProblem(c, "the event still breaks the taxonomy: fix it (PUT) and replay, or drop it", v.Violations)
			return
		}
	default:
		if err = s.replayEvent(ctx, q.Event, v); err == nil {
			err = s.Store.ReleaseQuarantined(ctx, ws, q.MessageID)
		}
	}
	if s.quarantineError(c, err) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"messageId": q.MessageID, "action": v.Action, "violations": v.Violations})
}

// replayEvent stores a let-in event, flagged with any violations, and
// routes it to its journeys.
//
// REPLAY-BRIDGE: this is the track path of the first ingestion (insert,
// route, mark routed). When the Segment pipeline's s.ingest lands, replay
// goes through it instead, so that identify traits, profiles and batching
// apply to replays too.
func (s *server) replayEvent(ctx context.Context, ev store.Event, v taxonomy.Verdict) error {
	if len(v.Violations) > 0 {
		flags, err := json.Marshal(v.Violations)
		if err != nil {
			return fmt.Errorf("encode violations: %w", err)
		}
		ev.Violations = flags
	}
	ev.ReceivedAt = time.Now() // received into the events table now; Timestamp keeps when it happened
	stored, _, err := s.Store.InsertEvent(ctx, ev)
	if err != nil {
		return err
	}
	if stored.RoutedAt != nil || stored.Type != "track" {
		return nil
	}
	var props map[string]any
	_ = json.Unmarshal(stored.Properties, &props)
	rctx, cancel := context.WithTimeout(ctx, routeTimeout)
	defer cancel()
	if _, err := s.route(rctx, stored.WorkspaceID, stored.UserID, journey.Event{
		MessageID: stored.MessageID, Name: stored.Name, Properties: props, Timestamp: stored.Timestamp,
	}); err != nil {
		// Stored and unrouted: the sweeper routes it.
		s.Logger.Warn("route replayed event", "messageId", stored.MessageID, "error", err)
		return nil
	}
	return s.Store.MarkEventRouted(ctx, stored.WorkspaceID, stored.MessageID)
}

// verdictFor checks an event as ingestion does: a track call's name and
// properties, an identify call's traits; other calls pass.
func verdictFor(t *taxonomy.Taxonomy, ev store.Event) taxonomy.Verdict {
	switch ev.Type {
	case "", "track":
		var props map[string]any
		_ = json.Unmarshal(ev.Properties, &props)
		return t.CheckEvent(ev.Name, props)
	case "identify":
		var traits map[string]any
		_ = json.Unmarshal(ev.Traits, &traits)
		return t.CheckTraits(traits)
	}
	return taxonomy.Verdict{Action: taxonomy.ActionAllow}
}

// violationProblem answers 422 with one error per violation, named by its
// field ("properties.total") and saying the rule.
func violationProblem(c *gin.Context, detail string, vs []taxonomy.Violation) {
	errs := make([]FieldError, len(vs))
	for i, v := range vs {
		errs[i] = FieldError{Field: v.Field, Message: v.Rule + ": " + v.Message}
	}
	problem(c, http.StatusUnprocessableEntity, detail, errs...)
}

// dropQuarantined deletes a quarantined event, counting it as dropped.
func (s *server) dropQuarantined(c *gin.Context) {
	if s.quarantineError(c, s.Store.DropQuarantined(c.Request.Context(), workspace(c), c.Param("id"))) {
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *server) quarantineError(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		problem(c, http.StatusNotFound, "no quarantined event "+c.Param("id")+" in this workspace")
	default:
		s.fail(c, err)
	}
	return true
}
