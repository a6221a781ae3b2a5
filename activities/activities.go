// Package activities holds the side effects of journeys: sending messages
// and touching Postgres. Dependencies are fields of one Activities struct,
// registered once with the worker.
package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/store"
)

// Activities are the journey worker's activities.
type Activities struct {
	store    *store.Store
	outbound *outbound.Client // webhooks: public addresses only, unless the operator allows more
	opts     Options
}

// New returns the activities over a store, delivering as opts say (at most
// one; none: every channel to the development outbox).
func New(st *store.Store, opts ...Options) *Activities {
	a := &Activities{store: st}
	if len(opts) > 0 {
		a.opts = opts[0]
	}
	a.outbound = a.opts.Outbound
	if a.outbound == nil {
		a.outbound = outbound.New(outbound.Options{})
	}
	return a
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
	// Transactional sends (a receipt, a password reset) pass the frequency caps.
	Transactional bool `json:"transactional,omitempty"`
	// Holdout marks a customer in the journey's holdout: the message is
	// recorded skipped with reason "holdout", and nothing is sent.
	Holdout bool `json:"holdout,omitempty"`
	// Topic is the consent topic of the message ("promotions"): an opt-out
	// of it, or of the whole channel, holds the message back. When empty,
	// a stored template's topic applies.
	Topic string `json:"topic,omitempty"`
}

// SendResult says what became of a message.
type SendResult struct {
	MessageID string `json:"messageId"`
	Status    string `json:"status"`
	Duplicate bool   `json:"duplicate"` // the message had been sent by an earlier attempt
	// Reason says why a skipped message was not sent.
	Reason     string `json:"reason,omitempty"`
	ProviderID string `json:"providerId,omitempty"`
}

// MessageRecorded is the status of a message the development outbox kept.
const MessageRecorded = "recorded"

// Send is the one delivery path of every message: the customer's address
// on the channel (the workflow already chose the fallback channel),
// consent for the channel and the message's topic, suppression (a refusal
// records the message skipped), frequency caps, the content (inline or a
// stored template), then the provider call guarded by the message row (see
// deliver): a retried or replayed attempt never sends twice, and an attempt
// that died during the call is reconciled, not sent again blindly. A
// customer erased meanwhile is sent nothing (see skipErased).
func (a *Activities) Send(ctx context.Context, in SendInput) (SendResult, error) {
	return a.skipErased(ctx, in)(a.send(ctx, in))
}

func (a *Activities) send(ctx context.Context, in SendInput) (SendResult, error) {
	if reason, err := a.excluded(ctx, in); err != nil || reason != "" {
		if err != nil {
			return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
		}
		return a.skip(ctx, in, reason)
	}
	sender, err := a.sender(ctx, in)
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	_, isOutbox := sender.(*outbox.Sender)
	address, err := a.address(ctx, in)
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	if in.Topic, err = a.topic(ctx, in); err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	reason, err := a.refusal(ctx, in, address)
	if err == nil && reason == "" {
		reason, err = a.capped(ctx, in)
	}
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	if reason != "" {
		return a.skip(ctx, in, reason)
	}
	if sender == nil || isOutbox {
		return a.record(ctx, in)
	}
	if address == "" {
		return a.skip(ctx, in, "no "+in.Channel+" address")
	}
	m, err := a.compose(ctx, in, a.unsubscribeURL(in))
	if err != nil {
		return SendResult{}, contentError(ctx, err)
	}
	m.WorkspaceID, m.WorkflowID, m.NodeID, m.To, m.Topic = in.WorkspaceID, in.WorkflowID, in.NodeID, address, in.Topic
	return a.deliver(ctx, in, sender, m)
}

// contentError makes a rendering error non-retryable: a template that
// cannot render never will. A render stopped because the activity's
// context ended is not the template's fault.
func contentError(ctx context.Context, err error) error {
	var retry errRetry
	if errors.As(err, &retry) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("render: %w", ctx.Err())
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), "TemplateError", err)
}

// preview is the subject and body the message row shows.
func preview(m channels.Message) (subject, body string) {
	switch {
	case m.Email != nil:
		return m.Email.Subject, cmp.Or(m.Email.HTML, m.Email.Text)
	case m.Push != nil:
		return m.Push.Title, m.Push.Body
	}
	b, _ := json.Marshal(m.LINE)
	return "", string(b)
}

// record writes the message to the development outbox, as Send always did
// before providers: content rendered into subject and body (a stored
// template's as preview shows it), status "recorded".
func (a *Activities) record(ctx context.Context, in SendInput) (SendResult, error) {
	var subject, body string
	var err error
	if in.Template.Name == "" {
		subject, body, err = a.render(ctx, in)
	} else {
		var m channels.Message
		m, err = a.composeStored(ctx, in, a.unsubscribeURL(in))
		subject, body = preview(m)
	}
	if err != nil {
		return SendResult{}, contentError(ctx, err)
	}
	msg, inserted, err := a.store.RecordMessage(ctx, a.row(in, subject, body, MessageRecorded))
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	if !inserted {
		activity.GetLogger(ctx).Info("message already sent", "messageId", in.MessageID)
	}
	return SendResult{MessageID: msg.ID, Status: msg.Status, Duplicate: !inserted}, nil
}

// render fills the inline template with the customer, the entry event,
// the journey and the message.
func (a *Activities) render(ctx context.Context, in SendInput) (subject, body string, err error) {
	return msgtemplates.RenderMessage(ctx, in.NodeID, in.Channel, in.Template, in.TemplateData(""))
}

// TemplateData is what the message's template is rendered with; unsub is
// the customer's unsubscribe link ("" for none).
func (in SendInput) TemplateData(unsub string) msgtemplates.Data {
	return msgtemplates.Data{
		CustomerID: in.CustomerID, Profile: in.Profile, Entry: in.Entry, JourneyID: in.JourneyID,
		Version: in.Version, Variables: in.Variables, MessageID: in.MessageID, UnsubscribeURL: unsub,
	}
}
