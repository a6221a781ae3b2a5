package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

type messageResponse struct {
	ID             string    `json:"id"`
	CustomerID     string    `json:"customerId"`
	JourneyID      string    `json:"journeyId"`
	JourneyVersion int       `json:"journeyVersion"`
	NodeID         string    `json:"nodeId"`
	WorkflowID     string    `json:"workflowId"`
	Channel        string    `json:"channel"`
	Subject        string    `json:"subject,omitempty"`
	Body           string    `json:"body"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"createdAt"`
	// Recipient is the shop's own address the message went to instead of
	// the customer's (a sales owner's lead alert).
	Recipient string `json:"recipient,omitempty"`
}

// outbox lists the messages the development outbox recorded, oldest first,
// filterable by customer and channel and paged by cursor.
func (s *server) outbox(c *gin.Context) {
	f := store.MessageFilter{CustomerID: c.Query("customer"), Channel: c.Query("channel"), After: c.Query("after")}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f.Limit = limit
	msgs, next, err := s.Store.ListMessages(c.Request.Context(), workspace(c), f)
	if s.answered(c, err) {
		return
	}
	out := make([]messageResponse, len(msgs))
	for i, m := range msgs {
		out[i] = messageResponse{
			ID: m.ID, CustomerID: m.CustomerID, JourneyID: m.JourneyID, JourneyVersion: m.JourneyVersion,
			NodeID: m.NodeID, WorkflowID: m.WorkflowID, Channel: m.Channel, Subject: m.Subject, Body: m.Body,
			Status: m.Status, CreatedAt: m.CreatedAt, Recipient: m.Recipient,
		}
	}
	body := gin.H{"messages": out}
	if next != "" {
		body["next"] = next
	}
	c.JSON(http.StatusOK, body)
}
