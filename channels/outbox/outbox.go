// Package outbox is the development outbox as a channels.Sender: instead of
// delivering, it records the message as a row in Postgres (the messages
// table), as the Send activity does today. It stands in for any channel
// that has no provider credentials.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/store"
)

// StatusRecorded is the status of a message the outbox kept; the same value
// as activities.MessageRecorded.
const StatusRecorded = "recorded"

// Sender records messages in the store.
type Sender struct {
	store *store.Store
}

// NewSender returns the outbox over st.
func NewSender(st *store.Store) *Sender {
	return &Sender{store: st}
}

// Origin is what the row holds beyond channels.Message: the journey, its
// version and the workflow run. channels.Message does not carry them yet.
type Origin struct {
	JourneyID      string
	JourneyVersion int
	RunID          string
}

// Send records m with no Origin.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Result, error) {
	return s.SendFrom(ctx, m, Origin{})
}

// SendFrom records m as today's Send activity does. A message whose ID was
// recorded before is not written again: the result is AlreadyAccepted with
// the first row's ID. The provider ID is the message ID.
func (s *Sender) SendFrom(ctx context.Context, m channels.Message, o Origin) (channels.Result, error) {
	subject, body, err := content(m)
	if err != nil {
		return channels.Result{}, err
	}
	stored, inserted, err := s.store.RecordMessage(ctx, store.Message{
		ID: m.ID, WorkspaceID: m.WorkspaceID, CustomerID: m.CustomerID,
		JourneyID: o.JourneyID, JourneyVersion: o.JourneyVersion, WorkflowID: m.WorkflowID, RunID: o.RunID,
		NodeID: m.NodeID, Channel: m.Channel, Subject: subject, Body: body, Status: StatusRecorded,
	})
	if err != nil {
		return channels.Result{}, fmt.Errorf("outbox: record %s: %w", m.ID, err)
	}
	return channels.Result{ProviderID: stored.ID, AlreadyAccepted: !inserted}, nil
}

// content is the subject and body the row shows: an email's subject and
// HTML (its text when it has no HTML), a push's title and body, LINE's
// message objects as a JSON array.
func content(m channels.Message) (subject, body string, err error) {
	switch {
	case m.Email != nil:
		body = m.Email.HTML
		if body == "" {
			body = m.Email.Text
		}
		return m.Email.Subject, body, nil
	case m.Push != nil:
		return m.Push.Title, m.Push.Body, nil
	case len(m.LINE) > 0:
		b, err := json.Marshal(m.LINE)
		if err != nil {
			return "", "", &channels.PermanentError{Reason: "outbox: LINE messages are not JSON: " + err.Error()}
		}
		return "", string(b), nil
	default:
		return "", "", &channels.PermanentError{Reason: "outbox: message " + m.ID + " has no content"}
	}
}
