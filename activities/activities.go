// Package activities holds the side effects of journeys: sending messages
// and touching Postgres. Dependencies are fields of one Activities struct,
// registered once with the worker.
package activities

import (
	"context"
	"fmt"

	"github.com/osteele/liquid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// Activities are the journey worker's activities.
type Activities struct {
	store  *store.Store
	liquid *liquid.Engine
}

// New returns the activities over a store.
func New(st *store.Store) *Activities {
	return &Activities{store: st, liquid: liquid.NewEngine()}
}

// SendInput is one message a journey sends. MessageID is derived from the
// run and the step, so a retried or replayed activity sends nothing twice.
type SendInput struct {
	MessageID   string           `json:"messageId"`
	WorkspaceID string           `json:"workspaceId"`
	JourneyID   string           `json:"journeyId"`
	Version     int              `json:"version"`
	CustomerID  string           `json:"customerId"`
	WorkflowID  string           `json:"workflowId"`
	RunID       string           `json:"runId"`
	NodeID      string           `json:"nodeId"`
	Channel     string           `json:"channel"`
	Template    journey.Template `json:"template"`
	Entry       journey.Event    `json:"entry"`
}

// SendResult says what became of a message.
type SendResult struct {
	MessageID string `json:"messageId"`
	Status    string `json:"status"`
	Duplicate bool   `json:"duplicate"` // the message had been sent by an earlier attempt
}

// MessageRecorded is the status of a message the development outbox kept.
const MessageRecorded = "recorded"

// Send renders a message and delivers it. Until providers are configured,
// every channel delivers to the development outbox: a row in Postgres.
func (a *Activities) Send(ctx context.Context, in SendInput) (SendResult, error) {
	subject, body, err := a.render(in)
	if err != nil {
		// A template that cannot render never will: retrying cannot help.
		return SendResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "TemplateError", err)
	}
	msg, inserted, err := a.store.RecordMessage(ctx, store.Message{
		ID:             in.MessageID,
		WorkspaceID:    in.WorkspaceID,
		CustomerID:     in.CustomerID,
		JourneyID:      in.JourneyID,
		JourneyVersion: in.Version,
		WorkflowID:     in.WorkflowID,
		RunID:          in.RunID,
		NodeID:         in.NodeID,
		Channel:        in.Channel,
		Subject:        subject,
		Body:           body,
		Status:         MessageRecorded,
	})
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	if !inserted {
		activity.GetLogger(ctx).Info("message already sent", "messageId", in.MessageID)
	}
	return SendResult{MessageID: msg.ID, Status: msg.Status, Duplicate: !inserted}, nil
}

// render fills the template with the customer, the entry event, the
// journey and the message.
func (a *Activities) render(in SendInput) (subject, body string, err error) {
	bindings := map[string]any{
		"customer": map[string]any{"id": in.CustomerID},
		"event": map[string]any{
			"name":       in.Entry.Name,
			"properties": in.Entry.Properties,
			"timestamp":  in.Entry.Timestamp,
		},
		"journey": map[string]any{"id": in.JourneyID, "version": in.Version},
		"message": map[string]any{"id": in.MessageID},
	}
	subject, serr := a.liquid.ParseAndRenderString(in.Template.Subject, bindings)
	if serr != nil {
		return "", "", fmt.Errorf("render subject of %s: %w", in.NodeID, serr)
	}
	body, berr := a.liquid.ParseAndRenderString(in.Template.Body, bindings)
	if berr != nil {
		return "", "", fmt.Errorf("render body of %s: %w", in.NodeID, berr)
	}
	return subject, body, nil
}
