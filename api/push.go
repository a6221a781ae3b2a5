package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// pushOpenedRequest is what an app SDK sends when its user opens a push
// notification: the Tabiji message ID the notification carried in its data.
type pushOpenedRequest struct {
	MessageID string     `json:"messageId"`
	UserID    string     `json:"userId"`
	Timestamp *time.Time `json:"timestamp"`
}

// pushOpened is POST /v1/push/opened (write key): the message becomes
// "opened" and its customer gets a push_opened event (engagement). userId must be the
// message's customer, so one customer's app cannot mark another's messages.
// A repeated call is recorded once.
func (s *server) pushOpened(c *gin.Context) {
	var req pushOpenedRequest
	if !decodeJSON(c, 16<<10, &req, true) {
		return
	}
	switch {
	case req.MessageID == "":
		invalid(c, "messageId", "is required: the Tabiji message ID from the notification's data")
		return
	case req.UserID == "":
		invalid(c, "userId", "is required")
		return
	}
	at := time.Now()
	if req.Timestamp != nil {
		at = *req.Timestamp
	}
	err := s.engagement.RecordPushOpen(c.Request.Context(), workspace(c), req.UserID, req.MessageID, at)
	if s.answered(c, err, notFound("no push message "+req.MessageID+" of user "+req.UserID+" in this workspace")) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"success": true})
}
