package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// pushOpenedRequest is what an app SDK sends when its user opens a push
// notification: the Tabiji message ID the notification carried in its data.
type pushOpenedRequest struct {
	MessageID string     `json:"messageId"`
	UserID    string     `json:"userId"`
	Timestamp *time.Time `json:"timestamp"`
}

// pushOpened is POST /v1/push/opened (write key): the message becomes
// "opened" and its run gets a push_opened event. userId must be the
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
	ctx, ws := c.Request.Context(), workspace(c)
	m, _, err := s.Store.LoggedMessageByID(ctx, ws, req.MessageID)
	if err == nil && (m.CustomerID != req.UserID || m.Channel != "push") {
		err = store.ErrNotFound // another user's message, or not a push: as good as none
	}
	if s.answered(c, err, notFound("no push message "+req.MessageID+" of user "+req.UserID+" in this workspace")) {
		return
	}
	at := time.Now()
	if req.Timestamp != nil {
		at = *req.Timestamp
	}
	eventID := "push_opened:" + req.MessageID // one open per message counts
	if _, _, err := s.Store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: ws, EventID: eventID, MessageID: m.ID,
		Status: "opened", ProviderEvent: "push_opened", At: at}); err != nil {
		s.fail(c, err)
		return
	}
	ev := journey.Event{MessageID: eventID, Name: "push_opened", Timestamp: at,
		Properties: map[string]any{"channel": "push", "message_id": m.ID}}
	if err := s.signalRun(ctx, m.WorkflowID, ev); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"success": true})
}
