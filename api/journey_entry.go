package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/routing"
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
	out, err := s.router.EnterByAPI(c.Request.Context(), workspace(c), c.Param("id"),
		routing.APIEntryRequest{UserID: req.UserID, MessageID: req.MessageID, Payload: req.Payload})
	if s.answered(c, err, noJourney(c)) {
		return
	}
	if !out.Entered {
		c.JSON(http.StatusOK, gin.H{"entered": false, "reason": "the journey's re-entry rule keeps this customer out"})
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"entered": true, "workflowId": out.WorkflowID, "messageId": out.MessageID})
}
