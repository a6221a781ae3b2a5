// Package activities holds the side effects of journeys: sending messages
// and touching Postgres. Dependencies are fields of one Activities struct,
// registered once with the worker.
package activities

import (
	"context"
	"fmt"
	"net/http"
	"time"

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
	http   *http.Client // webhooks
}

// New returns the activities over a store.
func New(st *store.Store) *Activities {
	return &Activities{store: st, liquid: liquid.NewEngine(), http: &http.Client{Timeout: 20 * time.Second}}
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
	// Profile and Variables, when given, are seen by the template as
	// customer.traits, customer.email, … and journey.variables.
	Profile   *journey.Profile `json:"profile,omitempty"`
	Variables map[string]any   `json:"variables,omitempty"`
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
	return RenderMessage(a.liquid, in)
}

// RenderMessage fills a message's template as Send does, without sending:
// the journey preview shows what a customer would get.
func RenderMessage(engine *liquid.Engine, in SendInput) (subject, body string, err error) {
	bindings := Bindings(in.CustomerID, in.Profile, in.Entry, in.JourneyID, in.Version, in.Variables)
	bindings["message"] = map[string]any{"id": in.MessageID}
	if in.Template.Name != "" {
		return "", "", fmt.Errorf("template %q of %s: named templates arrive with the channels issue; write the content inline", in.Template.Name, in.NodeID)
	}
	subject, serr := engine.ParseAndRenderString(in.Template.Subject, bindings)
	if serr != nil {
		return "", "", fmt.Errorf("render subject of %s: %w", in.NodeID, serr)
	}
	body, berr := engine.ParseAndRenderString(in.Template.Body, bindings)
	if berr != nil {
		return "", "", fmt.Errorf("render body of %s: %w", in.NodeID, berr)
	}
	return subject, body, nil
}

// Bindings are what Liquid templates (send content, webhook bodies) see:
// customer (id, and with a profile its traits, tags, email, phone, timezone,
// locale), event (the entry event) and journey (id, version, variables).
func Bindings(customerID string, p *journey.Profile, entry journey.Event, journeyID string, version int, vars map[string]any) map[string]any {
	customer := map[string]any{"id": customerID}
	if p != nil {
		customer["traits"], customer["tags"] = p.Traits, p.Tags
		customer["email"], customer["phone"] = p.Email, p.Phone
		customer["timezone"], customer["locale"] = p.Timezone, p.Locale
	}
	return map[string]any{
		"customer": customer,
		"event": map[string]any{
			"name":       entry.Name,
			"properties": entry.Properties,
			"timestamp":  entry.Timestamp,
		},
		"journey": map[string]any{"id": journeyID, "version": version, "variables": vars},
	}
}
