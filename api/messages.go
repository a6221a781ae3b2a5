package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// loggedMessageResponse is a message of the message log.
type loggedMessageResponse struct {
	messageResponse
	RunID      string    `json:"runId"`
	ProviderID string    `json:"providerId,omitempty"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// messageEventResponse is one step of a message's status history.
type messageEventResponse struct {
	Status        string          `json:"status"`
	ProviderEvent string          `json:"providerEvent"`
	EventID       string          `json:"eventId"`
	At            time.Time       `json:"at"`
	Detail        json.RawMessage `json:"detail"`
}

func loggedResponse(m store.LoggedMessage) loggedMessageResponse {
	return loggedMessageResponse{
		messageResponse: messageResponse{
			ID: m.ID, CustomerID: m.CustomerID, JourneyID: m.JourneyID, JourneyVersion: m.JourneyVersion,
			NodeID: m.NodeID, WorkflowID: m.WorkflowID, Channel: m.Channel, Subject: m.Subject, Body: m.Body,
			Status: m.Status, CreatedAt: m.CreatedAt, Recipient: m.Recipient,
		},
		RunID: m.RunID, ProviderID: m.ProviderID, UpdatedAt: m.UpdatedAt,
	}
}

// listMessages is GET /v1/messages: the message log, filtered by customer,
// journey and current status, oldest first and paged by cursor.
func (s *server) listMessages(c *gin.Context) {
	f := store.LogFilter{CustomerID: c.Query("customer"), JourneyID: c.Query("journey"), Status: c.Query("status"), After: c.Query("after")}
	if f.Status != "" && !store.MessageStatusKnown(f.Status) {
		invalid(c, "status", "is not a message status (recorded, processed, deferred, delivered, bounced, blocked, dropped, failed, opened, clicked, spam_reported, unsubscribed, resubscribed)")
		return
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f.Limit = limit
	msgs, next, err := s.Store.MessageLog(c.Request.Context(), workspace(c), f)
	if s.answered(c, err) {
		return
	}
	out := make([]loggedMessageResponse, len(msgs))
	for i, m := range msgs {
		out[i] = loggedResponse(m)
	}
	body := gin.H{"messages": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}

// getMessage is GET /v1/messages/*id: one message with its status
// history. The ID is the rest of the path, slashes and all.
func (s *server) getMessage(c *gin.Context) {
	id := strings.TrimPrefix(c.Param("id"), "/")
	m, history, err := s.Store.LoggedMessageByID(c.Request.Context(), workspace(c), id)
	if s.answered(c, err, notFound("no message "+id+" in this workspace")) {
		return
	}
	events := make([]messageEventResponse, len(history))
	for i, e := range history {
		events[i] = messageEventResponse{Status: e.Status, ProviderEvent: e.ProviderEvent, EventID: e.EventID, At: e.At, Detail: e.Detail}
	}
	c.JSON(http.StatusOK, gin.H{"message": loggedResponse(m), "history": events})
}
