package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/frequency"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/secrets"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

// Message statuses Send writes (providers' webhooks move them on).
const (
	MessagePending     = store.MessagePending // written, no provider call in flight
	MessageSending     = store.MessageSending // a provider call began; its answer is not recorded
	MessageSent        = "sent"               // the provider accepted it
	MessageUnconfirmed = "unconfirmed"        // a call's answer was lost and nothing confirmed it: never sent again
	MessageSkipped     = "skipped"            // consent, suppression, a cap or no address: no provider call
	MessageFailed      = "failed"             // the provider refused it for good
)

// Options configure delivery. The zero value delivers every channel to the
// development outbox, as `tabiji dev` without credentials does.
type Options struct {
	// Senders are the providers by channel ("email", "line", "push"); a
	// channel without one, or with the outbox, records to the outbox.
	Senders map[string]channels.Sender
	// SenderFor, when set, picks the sender per workspace and channel (the
	// workspace's provider settings, else the environment's, else the
	// outbox) and Senders is not used. An error is retried.
	SenderFor func(ctx context.Context, workspaceID, channel string) (channels.Sender, error)
	// UnsubscribeSecret signs the unsubscribe links of messages; without it
	// messages carry none.
	UnsubscribeSecret string
	// PublicURL is the base of unsubscribe links (the API's public URL).
	PublicURL string
	// EmailFrom is the sender address of inline (unstored) email content.
	EmailFrom string
	// ConfirmWithin is, per channel, how long Send waits for the provider's
	// webhook to confirm a message whose provider call was left unanswered
	// (the worker died during it, the connection broke): SendGrid's
	// processed, delivered or dropped event names the message and moves its
	// row. A channel without a window (no webhook) settles such a message
	// "unconfirmed" at once. Either way a provider that is not a
	// channels.Deduplicator is not called again for it.
	ConfirmWithin map[string]time.Duration
	// Outbound makes the webhook nodes' calls; nil: a client that dials
	// public addresses only (no allowlist).
	Outbound *outbound.Client
	// Secrets opens the workspace secrets webhook nodes refer to; nil: a
	// reference fails its step (no TABIJI_SECRETS_KEY).
	Secrets *secrets.Vault
}

// sender is the channel's sender for the workspace, nil for none.
func (a *Activities) sender(ctx context.Context, in SendInput) (channels.Sender, error) {
	return a.channelSender(ctx, in.WorkspaceID, in.Channel)
}

// channelSender is the workspace's sender of channel: Options.SenderFor's
// when set, else Senders'; nil for none.
func (a *Activities) channelSender(ctx context.Context, workspaceID, channel string) (channels.Sender, error) {
	if a.opts.SenderFor == nil {
		return a.opts.Senders[channel], nil
	}
	s, err := a.opts.SenderFor(ctx, workspaceID, channel)
	if err != nil {
		return nil, fmt.Errorf("sender of %s: %w", channel, err)
	}
	return s, nil
}

// skip records the message as skipped, Body holding the reason, and calls
// no provider: an opted-out or suppressed customer is not an error.
//
// A row an earlier attempt wrote is not simply returned: "pending" (no
// call in flight) becomes skipped; "sending" (a call that may have been
// taken) is reconciled as any unanswered call is, without calling again.
func (a *Activities) skip(ctx context.Context, in SendInput, reason string) (SendResult, error) {
	row, inserted, err := a.store.RecordMessage(ctx, a.row(in, "", reason, MessageSkipped))
	if err != nil {
		return SendResult{}, fmt.Errorf("skip %s: %w", in.MessageID, err)
	}
	switch {
	case !inserted && row.Status == MessagePending:
		logged, _, err := a.store.SkipPendingMessage(ctx, in.WorkspaceID, in.MessageID, reason)
		if err != nil {
			return SendResult{}, fmt.Errorf("skip %s: %w", in.MessageID, err)
		}
		row = logged.Message
	case !inserted && row.Status == MessageSending:
		logged, _, err := a.store.LoggedMessageByID(ctx, in.WorkspaceID, in.MessageID)
		if err != nil {
			return SendResult{}, fmt.Errorf("skip %s: %w", in.MessageID, err)
		}
		return a.reconcile(ctx, in, nil, channels.Message{}, logged)
	}
	activity.GetLogger(ctx).Info("message skipped", "messageId", in.MessageID, "reason", reason)
	return SendResult{MessageID: row.ID, Status: row.Status, Duplicate: !inserted, Reason: reason}, nil
}

func (a *Activities) row(in SendInput, subject, body, status string) store.Message {
	return store.Message{
		ID: in.MessageID, WorkspaceID: in.WorkspaceID, CustomerID: in.CustomerID,
		JourneyID: in.JourneyID, JourneyVersion: in.Version, WorkflowID: in.WorkflowID, RunID: in.RunID,
		NodeID: in.NodeID, Channel: in.Channel, Subject: subject, Body: body, Status: status,
	}
}

// refusal is why the customer may not be sent this message ("" when they
// may): an opt-out of the channel, or a suppressed address.
func (a *Activities) refusal(ctx context.Context, in SendInput, address string) (string, error) {
	status, found, err := a.store.ConsentFor(ctx, in.WorkspaceID, in.CustomerID, in.Channel, in.Topic)
	if err != nil {
		return "", fmt.Errorf("check consent: %w", err)
	}
	if found && status == store.OptedOut {
		return a.optOutReason(ctx, in)
	}
	if address == "" {
		return "", nil
	}
	sp, err := a.store.Suppressed(ctx, in.WorkspaceID, in.Channel, address)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("check suppression: %w", err)
	}
	return "address suppressed: " + sp.Reason, nil
}

// optOutReason names what the customer opted out of: the channel, or only
// the message's topic.
func (a *Activities) optOutReason(ctx context.Context, in SendInput) (string, error) {
	if in.Topic == "" {
		return "opted out of " + in.Channel, nil
	}
	status, found, err := a.store.ConsentFor(ctx, in.WorkspaceID, in.CustomerID, in.Channel, "")
	if err != nil {
		return "", fmt.Errorf("check consent: %w", err)
	}
	if found && status == store.OptedOut {
		return "opted out of " + in.Channel, nil
	}
	return "opted out of " + in.Topic + " on " + in.Channel, nil
}

// topic is the message's consent topic: the send's own, else the stored
// template's (an unknown template is left for compose to report).
func (a *Activities) topic(ctx context.Context, in SendInput) (string, error) {
	if in.Topic != "" || in.Template.Name == "" {
		return in.Topic, nil
	}
	t, err := a.store.GetMessageTemplate(ctx, in.WorkspaceID, in.Template.Name, 0)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the topic of template %q: %w", in.Template.Name, err)
	}
	c, err := msgtemplates.Parse(t.Channel, t.Content)
	if err != nil {
		return "", nil
	}
	return c.Topic(), nil
}

// capped is why the workspace's frequency caps hold this message back (""
// when they do not). A transactional send passes; so does a message an
// earlier attempt already wrote, which would otherwise count itself.
func (a *Activities) capped(ctx context.Context, in SendInput) (string, error) {
	if in.Transactional {
		return "", nil
	}
	_, _, err := a.store.LoggedMessageByID(ctx, in.WorkspaceID, in.MessageID)
	if err == nil {
		return "", nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("check frequency caps: %w", err)
	}
	timezone := ""
	if in.Profile != nil {
		timezone = in.Profile.Timezone
	}
	ok, reason, err := frequency.Check(ctx, a.store, in.WorkspaceID, in.CustomerID, in.Channel, timezone, time.Now())
	if err != nil || ok {
		return "", err
	}
	return reason, nil
}

// address is the customer's address on the channel, read from the stored
// profile (the run's snapshot when the profile is gone): the email, the
// LINE user ID, or the newest push token.
func (a *Activities) address(ctx context.Context, in SendInput) (string, error) {
	p := in.Profile
	stored, err := a.store.GetProfile(ctx, in.WorkspaceID, in.CustomerID)
	switch {
	case err == nil:
		p = &journey.Profile{Email: stored.Email, LineUserID: stored.LineUserID, PushTokens: stored.PushTokens}
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("read profile: %w", err)
	}
	if p == nil {
		return "", nil
	}
	switch in.Channel {
	case "email":
		return p.Email, nil
	case "line":
		return p.LineUserID, nil
	case "push":
		if len(p.PushTokens) > 0 {
			return p.PushTokens[len(p.PushTokens)-1], nil
		}
	}
	return "", nil
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
	return msgtemplates.Render(ctx, c, in.TemplateData(unsub))
}

// errRetry marks a compose error that is not the content's fault.
type errRetry struct{ error }

func (e errRetry) Unwrap() error { return e.error }

// providerError maps a sender's error: permanent → failed, no retry; rate
// limited → retry after the provider's delay; anything else → retry.
func (a *Activities) providerError(ctx context.Context, in SendInput, err error) error {
	if channels.IsPermanent(err) {
		detail, _ := json.Marshal(map[string]string{"reason": err.Error()})
		if _, _, rerr := a.store.RecordMessageEvent(ctx, store.MessageEvent{
			WorkspaceID: in.WorkspaceID, EventID: "send:" + in.MessageID, MessageID: in.MessageID,
			Status: MessageFailed, ProviderEvent: "send_failed", Detail: detail,
		}); rerr != nil {
			return fmt.Errorf("record failure of %s: %w", in.MessageID, rerr)
		}
		return temporal.NewNonRetryableApplicationError(err.Error(), "PermanentError", err)
	}
	if d, ok := channels.RetryAfter(err); ok {
		return temporal.NewApplicationErrorWithOptions(err.Error(), "RateLimitError",
			temporal.ApplicationErrorOptions{NextRetryDelay: d, Cause: err})
	}
	return fmt.Errorf("send %s: %w", in.MessageID, err)
}
