package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/optin"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

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
	// LinkTracking is the journey's: UTM parameters for the message's
	// tracked links, and whether email links are tracked too.
	LinkTracking *journey.LinkTracking `json:"linkTracking,omitempty"`
	// To is the shop's own address (a sales owner's) the email goes to
	// instead of the customer's; Lead gives the template the customer's
	// lead context as lead (lead.go).
	To   string `json:"to,omitempty"`
	Lead bool   `json:"lead,omitempty"`
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

// Message statuses Send writes (providers' webhooks move them on).
const (
	MessagePending     = store.MessagePending // written, no provider call in flight
	MessageSending     = store.MessageSending // a provider call began; its answer is not recorded
	MessageSent        = "sent"               // the provider accepted it
	MessageUnconfirmed = "unconfirmed"        // a call's answer was lost and nothing confirmed it: never sent again
	MessageSkipped     = "skipped"            // consent, suppression, a cap or no address: no provider call
	MessageFailed      = "failed"             // the provider refused it for good
)

// Send is the one delivery path of every message: the customer's address
// on the channel (the workflow already chose the fallback channel),
// consent for the channel and the message's topic, suppression (a refusal
// records the message skipped), frequency caps, the content (inline or a
// stored template), then the provider call guarded by the message row (see
// deliver): a retried or replayed attempt never sends twice, and an attempt
// that died during the call is reconciled, not sent again blindly. A
// customer erased meanwhile is sent nothing (see skipErased).
func (a *Activities) Send(ctx context.Context, in SendInput) (SendResult, error) {
	if info := activity.GetInfo(ctx); info.Attempt == 1 {
		a.opts.Metrics.QueueWait(in.Channel, info.StartedTime.Sub(info.ScheduledTime))
	}
	res, err := a.skipErased(ctx, in)(a.send(ctx, in))
	a.opts.Metrics.Sent(in.Channel, sendOutcome(res, err))
	return res, err
}

// sendOutcome is the outcome label of a send attempt: the message's
// status, "retry" for an error Temporal retries, "failed" for one it does not.
func sendOutcome(res SendResult, err error) string {
	var app *temporal.ApplicationError
	switch {
	case err == nil:
		return res.Status
	case errors.As(err, &app) && app.NonRetryable():
		return MessageFailed
	}
	return metrics.OutcomeRetry
}

func (a *Activities) send(ctx context.Context, in SendInput) (SendResult, error) {
	pre, err := a.prefetch(ctx, in)
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	if reason, err := a.excluded(ctx, in, pre); err != nil || reason != "" {
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
	var bad badAddress
	if in.To != "" {
		to, err := ownerAddress(ctx, in)
		if errors.As(err, &bad) {
			return a.skip(ctx, in, bad.Error())
		}
		in.To = to
	}
	stored, err := a.sendProfile(ctx, &in, pre)
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	address, err := a.address(in, stored, sender)
	if errors.As(err, &bad) {
		return a.skip(ctx, in, bad.Error())
	}
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	in, ad, reason, err := a.screenSend(ctx, in, address, pre)
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	if reason != "" {
		return a.skip(ctx, in, reason)
	}
	if sender == nil || isOutbox {
		return a.record(ctx, in, ad)
	}
	if address == "" {
		return a.skip(ctx, in, "no "+in.Channel+" address")
	}
	unsub := a.unsubscribeURL(in)
	if in.To != "" {
		unsub = "" // a sales owner's alert carries no customer's unsubscribe link
	}
	m, err := a.compose(ctx, in, unsub)
	if err != nil {
		return SendResult{}, contentError(ctx, err)
	}
	ad.addBlock(&m)
	m.WorkspaceID, m.WorkflowID, m.NodeID, m.To, m.Topic = in.WorkspaceID, in.WorkflowID, in.NodeID, address, in.Topic
	m.StatusCallback = a.statusCallback(in)
	return a.deliver(ctx, in, sender, a.trackLinks(in, m))
}

// screenSend settles the message's topic and purpose (transactional: the
// send's, or its stored template's) and applies the rules in order:
// consent and suppression (refusal), the advertising-mail policy
// (withheld), then frequency caps. reason is why the message is skipped,
// "" when it may go. pre, when not nil, holds what the checks read.
func (a *Activities) screenSend(ctx context.Context, in SendInput, address string, pre *store.SendReads) (SendInput, adRules, string, error) {
	var err error
	if in.Topic, in.Transactional, err = a.purpose(ctx, in); err != nil {
		return in, adRules{}, "", err
	}
	if in.To != "" {
		in.Transactional = true // a sales owner's alert advertises nothing to its addressee
	}
	ad := adRules{promotional: !in.Transactional}
	if pre != nil {
		ad.policy = pre.Policy.Policy()
	} else if ad, err = a.adRulesFor(ctx, in.WorkspaceID, in.Transactional); err != nil {
		return in, ad, "", err
	}
	reason, err := a.refusal(ctx, in, address, pre)
	if err == nil && reason == "" {
		reason, err = a.withheld(ctx, ad, in.WorkspaceID, in.CustomerID, in.Channel, in.Topic)
	}
	if err == nil && reason == "" {
		reason, err = a.capped(ctx, in, pre)
	}
	return in, ad, reason, err
}

// compose renders the message: a stored template by name, else the inline
// subject and body. An error is a content error no retry can fix.
func (a *Activities) compose(ctx context.Context, in SendInput, unsub string) (channels.Message, error) {
	if in.Template.Name != "" {
		return a.composeStored(ctx, in, unsub)
	}
	subject, body, err := a.render(ctx, in)
	if err != nil {
		return channels.Message{}, err
	}
	m := channels.Message{ID: in.MessageID, CustomerID: in.CustomerID, Channel: in.Channel}
	switch in.Channel {
	case "email":
		m.Email = &channels.Email{From: a.opts.EmailFrom, Subject: subject, HTML: body,
			Text: msgtemplates.TextFromHTML(body), UnsubscribeURL: unsub}
	case "line":
		text, _ := json.Marshal(map[string]string{"type": "text", "text": body})
		m.LINE = []json.RawMessage{text}
	case "push":
		m.Push = &channels.Push{Title: subject, Body: body}
	case "sms":
		m.SMS = &channels.SMS{Body: body}
	}
	return m, nil
}

func (a *Activities) composeStored(ctx context.Context, in SendInput, unsub string) (channels.Message, error) {
	t, err := a.store.GetMessageTemplate(ctx, in.WorkspaceID, in.Template.Name, 0)
	if errors.Is(err, store.ErrNotFound) {
		return channels.Message{}, fmt.Errorf("template %q of %s: no such stored template", in.Template.Name, in.NodeID)
	}
	if err != nil {
		return channels.Message{}, errRetry{err}
	}
	if t.Channel != in.Channel {
		return channels.Message{}, fmt.Errorf("template %q of %s is for %s, not %s", t.ID, in.NodeID, t.Channel, in.Channel)
	}
	c, err := msgtemplates.Parse(t.Channel, t.Content)
	if err != nil {
		return channels.Message{}, fmt.Errorf("template %q: %w", t.ID, err)
	}
	d, err := a.renderData(ctx, in, unsub)
	if err != nil {
		return channels.Message{}, err
	}
	return msgtemplates.Render(ctx, c, d)
}

// errRetry marks a compose error that is not the content's fault.
type errRetry struct{ error }

func (e errRetry) Unwrap() error { return e.error }

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

// trackLinks puts the message's links through the click redirect (package
// clicks) with the journey's UTM parameters. The tokens derive from the
// message's ID, so a retried attempt sends the very same content.
func (a *Activities) trackLinks(in SendInput, m channels.Message) channels.Message {
	var t clicks.Tracking
	if lt := in.LinkTracking; lt != nil {
		t = clicks.Tracking{UTM: lt.UTM, Email: lt.Email}
	}
	return a.opts.Clicks.Message(m, t)
}

// unsubscribeURL is the customer's signed link, "" without a secret.
func (a *Activities) unsubscribeURL(in SendInput) string {
	if a.opts.UnsubscribeSecret == "" || a.opts.PublicURL == "" {
		return ""
	}
	return unsubscribe.URL(a.opts.UnsubscribeSecret, a.opts.PublicURL, unsubscribe.Token{
		WorkspaceID: in.WorkspaceID, CustomerID: in.CustomerID, Channel: in.Channel, Topic: in.Topic, MessageID: in.MessageID,
	})
}

// statusCallback is where the provider reports the message's delivery:
// Tabiji's webhook for the provider, naming the workspace and the message,
// so a status reaches the row even when the send's answer was lost. ""
// without a public URL, or on a channel whose provider reports by a
// webhook configured on its side (SendGrid, LINE).
func (a *Activities) statusCallback(in SendInput) string {
	if in.Channel != "sms" || a.opts.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(a.opts.PublicURL, "/") + "/webhooks/twilio/" + url.PathEscape(in.WorkspaceID) +
		"?" + url.Values{"message": {in.MessageID}}.Encode()
}

// preview is the subject and body the message row shows.
func preview(m channels.Message) (subject, body string) {
	switch {
	case m.Email != nil:
		return m.Email.Subject, cmp.Or(m.Email.HTML, m.Email.Text)
	case m.Push != nil:
		return m.Push.Title, m.Push.Body
	case m.SMS != nil:
		return "", m.SMS.Body
	}
	b, _ := json.Marshal(m.LINE)
	return "", string(b)
}

// record writes the message to the development outbox, for a channel
// without a provider: content rendered into subject and body (a stored
// template's as preview shows it), status "recorded".
func (a *Activities) record(ctx context.Context, in SendInput, ad adRules) (SendResult, error) {
	var subject, body string
	var err error
	if in.Template.Name == "" {
		subject, body, err = a.render(ctx, in)
		body = ad.blockBody(in.Channel, body)
	} else {
		var m channels.Message
		m, err = a.composeStored(ctx, in, a.unsubscribeURL(in))
		ad.addBlock(&m)
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
	d, err := a.renderData(ctx, in, "")
	if err != nil {
		return "", "", err
	}
	return msgtemplates.RenderMessage(ctx, in.NodeID, in.Channel, in.Template, d)
}

// TemplateData is what the message's template is rendered with; unsub is
// the customer's unsubscribe link ("" for none).
func (in SendInput) TemplateData(unsub string) msgtemplates.Data {
	return msgtemplates.Data{
		CustomerID: in.CustomerID, Profile: in.Profile, Entry: in.Entry, JourneyID: in.JourneyID,
		Version: in.Version, Variables: in.Variables, MessageID: in.MessageID, UnsubscribeURL: unsub,
	}
}

// templateData is TemplateData with the customer's confirmation link.
func (a *Activities) templateData(in SendInput, unsub string) msgtemplates.Data {
	d := in.TemplateData(unsub)
	d.ConfirmURL = a.confirmURL(in.WorkspaceID, in.CustomerID, in.Channel, in.Topic, in.MessageID)
	return d
}

// confirmURL is the customer's signed double opt-in confirmation link for
// the message's channel and topic, "" without a secret. It is made anew by
// each attempt (its expiry counts from the send); any of them confirms.
func (a *Activities) confirmURL(workspaceID, customerID, channel, topic, messageID string) string {
	if a.opts.UnsubscribeSecret == "" || a.opts.PublicURL == "" {
		return ""
	}
	return optin.URL(a.opts.UnsubscribeSecret, a.opts.PublicURL, optin.New(workspaceID, customerID, channel, topic, messageID, time.Now()))
}
