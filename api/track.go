package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// trackLimit is Segment's limit for one call.
const trackLimit = 32 << 10

// routeTimeout bounds how long a call waits for Temporal before it answers
// 503, so clients retry instead of hanging while Temporal is down.
const routeTimeout = 5 * time.Second

// trackRequest is a Segment track call. The full Segment spec (identify,
// page, batch, context, clock-skew correction) comes with profiles.
type trackRequest struct {
	UserID      string          `json:"userId"`
	AnonymousID string          `json:"anonymousId"`
	Event       string          `json:"event"`
	Properties  map[string]any  `json:"properties"`
	Context     json.RawMessage `json:"context"`
	MessageID   string          `json:"messageId"`
	Timestamp   string          `json:"timestamp"`
}

// track stores an event once per messageId and routes it to the journeys
// that use it. When routing fails the event stays stored and unrouted, and
// the client's retry (same messageId) routes it again.
func (s *server) track(c *gin.Context) {
	var req trackRequest
	if !decodeJSON(c, trackLimit, &req, false) {
		return
	}
	ev, ok := req.validate(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	stored, _, err := s.Store.InsertEvent(ctx, ev)
	if err != nil {
		s.fail(c, err)
		return
	}
	if stored.RoutedAt == nil {
		// Route what was stored first: a retry routes the original event.
		var props map[string]any
		_ = json.Unmarshal(stored.Properties, &props)
		rctx, cancel := context.WithTimeout(ctx, routeTimeout)
		defer cancel()
		if _, err := s.route(rctx, stored.WorkspaceID, stored.UserID, journey.Event{
			MessageID: stored.MessageID, Name: stored.Name, Properties: props, Timestamp: stored.Timestamp,
		}); err != nil {
			s.Logger.Error("route event", "messageId", stored.MessageID, "error", err)
			problem(c, http.StatusServiceUnavailable, "the event is stored but could not reach its journeys (is Temporal up?): retry with the same messageId")
			return
		}
		if err := s.Store.MarkEventRouted(ctx, stored.WorkspaceID, stored.MessageID); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"success": true})
}

func (r *trackRequest) validate(c *gin.Context) (store.Event, bool) {
	customer := strings.TrimSpace(r.UserID)
	if customer == "" {
		customer = strings.TrimSpace(r.AnonymousID)
	}
	if customer == "" {
		invalid(c, "userId", "userId or anonymousId is required")
		return store.Event{}, false
	}
	if len(customer) > 256 {
		invalid(c, "userId", "is longer than 256 characters")
		return store.Event{}, false
	}
	name := strings.TrimSpace(r.Event)
	if name == "" || len(name) > 200 {
		invalid(c, "event", "is required: the event's name, at most 200 characters, such as \"cart_add\"")
		return store.Event{}, false
	}
	now := time.Now().UTC()
	ts := now
	if r.Timestamp != "" {
		t, err := time.Parse(time.RFC3339Nano, r.Timestamp)
		if err != nil {
			invalid(c, "timestamp", "must be an ISO 8601 date-time such as 2026-11-23T10:00:00Z")
			return store.Event{}, false
		}
		ts = t
	}
	if r.MessageID == "" {
		r.MessageID = "tbj-" + rand.Text()
	} else if len(r.MessageID) > 200 {
		invalid(c, "messageId", "is longer than 200 characters")
		return store.Event{}, false
	}
	props, _ := json.Marshal(r.Properties)
	if r.Properties == nil {
		props = []byte("{}")
	}
	evCtx := r.Context
	if len(evCtx) == 0 || string(evCtx) == "null" {
		evCtx = json.RawMessage("{}")
	} else if evCtx[0] != '{' {
		invalid(c, "context", "must be a JSON object")
		return store.Event{}, false
	}
	return store.Event{
		WorkspaceID: workspace(c), MessageID: r.MessageID, Type: "track", UserID: customer, Name: name,
		Properties: props, Context: evCtx, Timestamp: ts, ReceivedAt: now,
	}, true
}
