package api

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

type enterRequest struct {
	UserID    string         `json:"userId"`
	MessageID string         `json:"messageId"` // dedupes a retried call; generated when empty
	Payload   map[string]any `json:"payload"`
}

// enterJourney enters a customer into a journey whose entry is "api": true,
// with the payload as the entry event's properties (and its correlation key
// read from there). Answers 202 with the run's workflow ID, or 200 with
// "entered": false when the re-entry rule keeps the customer out.
func (s *server) enterJourney(c *gin.Context) {
	var req enterRequest
	if !decodeJSON(c, 32<<10, &req, true) {
		return
	}
	if req.UserID = strings.TrimSpace(req.UserID); req.UserID == "" {
		invalid(c, "userId", "is required")
		return
	}
	ctx := c.Request.Context()
	j, err := s.Store.GetJourney(ctx, workspace(c), c.Param("id"))
	if s.answered(c, err, noJourney(c)) {
		return
	}
	var d journey.Definition
	if err := json.Unmarshal(j.Definition, &d); err != nil {
		s.fail(c, err)
		return
	}
	active, ok := s.apiEntry(c, j, d)
	if !ok {
		return
	}
	ev := journey.Event{MessageID: cmp.Or(req.MessageID, uuid.NewString()), Name: journey.APIEntryEvent, Properties: req.Payload, Timestamp: time.Now().UTC()}
	keyPath := active.Definition.Entry.CorrelationKey
	key := routing.CorrelationValue(keyPath, ev)
	if keyPath != "" && key == "" {
		invalid(c, "payload."+strings.TrimPrefix(keyPath, "properties."), "is required: it is the journey's correlation key")
		return
	}
	in := workflows.JourneyInput{
		WorkspaceID: workspace(c), JourneyID: j.ID, Version: active.Version, CustomerID: req.UserID,
		Definition: active.Definition, Entry: ev, CorrelationKey: key,
	}
	run, err := workflows.EnterJourney(ctx, s.Temporal, s.TaskQueue, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	if run == nil {
		c.JSON(http.StatusOK, gin.H{"entered": false, "reason": "the journey's re-entry rule keeps this customer out"})
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"entered": true, "workflowId": run.GetID(), "messageId": ev.MessageID})
}

// apiEntry finds the active version of a journey entered by API call,
// answering 409 when the journey is not active or not entered by API.
func (s *server) apiEntry(c *gin.Context, j store.Journey, latest journey.Definition) (routing.APIEntry, bool) {
	if j.Status != store.JourneyActive {
		problem(c, http.StatusConflict, "journey "+j.ID+" is "+string(j.Status)+": only an active journey takes entries")
		return routing.APIEntry{}, false
	}
	e, ok, err := s.router.APIEntry(c.Request.Context(), workspace(c), j.ID)
	if err != nil {
		s.fail(c, err)
		return routing.APIEntry{}, false
	}
	if !ok {
		problem(c, http.StatusConflict, "journey "+j.ID+" is entered by event "+latest.Entry.Event+`, not by API call ("entry": {"api": true})`)
	}
	return e, ok
}
