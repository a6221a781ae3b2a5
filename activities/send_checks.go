package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/frequency"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/phone"
	"github.com/tabiji/tabiji/store"
)

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
		NodeID: in.NodeID, Channel: in.Channel, Subject: subject, Body: body, Status: status, Recipient: in.To,
	}
}

// refusal is why the customer may not be sent this message ("" when they
// may): an opt-out of the channel, or a suppressed address.
func (a *Activities) refusal(ctx context.Context, in SendInput, address string, pre *store.SendReads) (string, error) {
	if in.To != "" { // the shop's own address: the customer's consent is not its
		return a.suppressed(ctx, in, address)
	}
	var status string
	if pre != nil {
		status = pre.Consent
	} else if s, found, err := a.store.ConsentFor(ctx, in.WorkspaceID, in.CustomerID, in.Channel, in.Topic); err != nil {
		return "", fmt.Errorf("check consent: %w", err)
	} else if found {
		status = s
	}
	if status == store.OptedOut {
		return a.optOutReason(ctx, in)
	}
	return a.suppressed(ctx, in, address)
}

// suppressed is why the address may not be sent to ("" when it may): a
// bounce, a complaint or an unsubscribe suppressed it.
func (a *Activities) suppressed(ctx context.Context, in SendInput, address string) (string, error) {
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

// capped is why the workspace's frequency caps hold this message back (""
// when they do not). A transactional send passes; so does a message an
// earlier attempt already wrote, which would otherwise count itself; and
// so does any on a channel without caps, before that second read.
func (a *Activities) capped(ctx context.Context, in SendInput, pre *store.SendReads) (string, error) {
	if in.Transactional || in.To != "" {
		return "", nil
	}
	var caps frequency.Caps
	var err error
	if pre != nil {
		caps, err = frequency.Parse(in.WorkspaceID, pre.Caps)
	} else {
		caps, err = frequency.Load(ctx, a.store, in.WorkspaceID)
	}
	if err != nil {
		return "", fmt.Errorf("check frequency caps: %w", err)
	}
	if len(caps[in.Channel]) == 0 {
		return "", nil
	}
	_, _, err = a.store.LoggedMessageByID(ctx, in.WorkspaceID, in.MessageID)
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
	ok, reason, err := caps.Check(ctx, a.store, in.WorkspaceID, in.CustomerID, in.Channel, timezone, time.Now())
	if err != nil || ok {
		return "", err
	}
	return reason, nil
}

// badAddress is an address on the profile that cannot be sent to (a phone
// number that is not one): the message is skipped, naming it.
type badAddress struct {
	channel string
	err     error
}

func (b badAddress) Error() string { return "no usable " + b.channel + " address: " + b.err.Error() }

// address is the customer's address on the channel, read from the stored
// profile (the run's snapshot when the profile is gone): the email, the
// LINE user ID, the newest push token, or the phone number in E.164 (read
// in the SMS sender's region; a badAddress when it is no number).
func (a *Activities) address(in SendInput, stored *store.Profile, sender channels.Sender) (string, error) {
	if in.To != "" {
		return in.To, nil // the shop's own address (a sales owner's), resolved by send
	}
	raw := rawAddress(in, stored)
	if raw == "" || in.Channel != "sms" {
		return raw, nil
	}
	normal := func(raw string) (string, error) { return phone.E164(raw, phone.DefaultRegion) }
	if ad, ok := sender.(channels.Addresser); ok {
		normal = ad.Address
	}
	e164, err := normal(raw)
	if err != nil {
		return "", badAddress{"sms", err}
	}
	return e164, nil
}

// sendProfile reads the customer's stored profile, once per attempt: the
// address comes from it, and so does the template's customer when the run
// sent none (a lean run whose workflow did not need the profile reads it
// here rather than in a local activity of its own: one read, no marker).
// It is nil when Tabiji has no profile of the customer, or when neither is
// needed (a sales owner's alert with the run's snapshot).
func (a *Activities) sendProfile(ctx context.Context, in *SendInput, pre *store.SendReads) (*store.Profile, error) {
	if in.To != "" && in.Profile != nil {
		return nil, nil
	}
	var stored *store.Profile
	if pre != nil {
		stored = pre.Profile
	} else if p, err := a.store.GetProfile(ctx, in.WorkspaceID, in.CustomerID); err == nil {
		stored = &p
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	if in.Profile == nil {
		snapshot := journey.Profile{ID: in.CustomerID}
		if stored != nil {
			snapshot = store.ToJourneyProfile(*stored)
		}
		in.Profile = &snapshot
	}
	return stored, nil
}

// rawAddress is the customer's address on the channel as the stored
// profile holds it (the run's snapshot when the profile is gone).
func rawAddress(in SendInput, stored *store.Profile) string {
	p := in.Profile
	if stored != nil {
		p = &journey.Profile{Email: stored.Email, Phone: stored.Phone, LineUserID: stored.LineUserID, PushTokens: stored.PushTokens}
	}
	if p == nil {
		return ""
	}
	switch in.Channel {
	case "email":
		return p.Email
	case "line":
		return p.LineUserID
	case "push":
		if len(p.PushTokens) > 0 {
			return p.PushTokens[len(p.PushTokens)-1]
		}
	case "sms":
		return p.Phone
	}
	return ""
}
