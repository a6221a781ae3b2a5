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
	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/store"
)

// confirmPoll is how often an attempt waiting for a provider's webhook to
// confirm an unanswered call looks again (at most: less when the window
// ends sooner).
const confirmPoll = 15 * time.Second

// deliver guards the provider call with the message row: written
// "pending", claimed "sending" just before the call, moved to "sent" with
// the provider's ID after it, or back to "pending" when the provider
// answered without taking the message (5xx, 429), so the next attempt calls
// again. A row some attempt finished is returned as it is. A row found
// "sending" was left by an attempt whose call has no recorded answer — it
// may have been accepted — and is reconciled instead of sent again.
func (a *Activities) deliver(ctx context.Context, in SendInput, sender channels.Sender, m channels.Message) (SendResult, error) {
	subject, body := preview(m)
	if _, _, err := a.store.RecordMessage(ctx, a.row(in, subject, body, MessagePending)); err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	row, claimed, err := a.store.ClaimMessage(ctx, in.WorkspaceID, in.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		err = store.ErrErased // the row just written is gone: only an erasure deletes it
	}
	if err != nil {
		return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
	}
	switch {
	case claimed:
		return a.call(ctx, in, sender, m)
	case row.Status == MessageSending:
		return a.reconcile(ctx, in, sender, m, row)
	}
	activity.GetLogger(ctx).Info("message already sent", "messageId", in.MessageID, "status", row.Status)
	return SendResult{MessageID: row.ID, Status: row.Status, Duplicate: true, ProviderID: row.ProviderID}, nil
}

// call sends through the provider and records its answer.
func (a *Activities) call(ctx context.Context, in SendInput, sender channels.Sender, m channels.Message) (SendResult, error) {
	began := time.Now()
	res, sendErr := sender.Send(ctx, m)
	a.opts.Metrics.ProviderCall(in.Channel, time.Since(began), errorClass(sendErr))
	if res.RemoveAddress {
		if err := a.forgetAddress(ctx, in, m.To); err != nil {
			return SendResult{}, fmt.Errorf("send %s: %w", in.MessageID, err)
		}
	}
	if sendErr != nil {
		if channels.NotAccepted(sendErr) && !channels.IsPermanent(sendErr) {
			if err := a.store.ReleaseMessage(ctx, in.WorkspaceID, in.MessageID); err != nil {
				// Only the store's error is wrapped: the provider's class (permanent, say) must not
				// decide whether this attempt is retried.
				return SendResult{}, fmt.Errorf("send %s: %w (after %v)", in.MessageID, err, sendErr) //nolint:errorlint // see above
			}
		}
		return SendResult{}, a.providerError(ctx, in, sendErr)
	}
	logged, _, err := a.store.RecordMessageEvent(ctx, store.MessageEvent{
		WorkspaceID: in.WorkspaceID, EventID: "send:" + in.MessageID, MessageID: in.MessageID,
		Status: MessageSent, ProviderEvent: "send", ProviderID: res.ProviderID,
	})
	if err != nil {
		return SendResult{}, fmt.Errorf("record sending of %s: %w", in.MessageID, err)
	}
	return SendResult{MessageID: logged.ID, Status: logged.Status, ProviderID: logged.ProviderID}, nil
}

// forgetAddress suppresses an address the provider no longer knows and, for
// a push token, takes it off every profile holding it.
func (a *Activities) forgetAddress(ctx context.Context, in SendInput, address string) error {
	if err := a.store.Suppress(ctx, store.Suppression{WorkspaceID: in.WorkspaceID, Channel: in.Channel,
		Address: address, Reason: store.SuppressInvalid}); err != nil {
		return err
	}
	if in.Channel != "push" {
		return nil
	}
	n, err := a.store.RemovePushToken(ctx, in.WorkspaceID, address)
	if err == nil {
		activity.GetLogger(ctx).Info("unregistered push token removed", "messageId", in.MessageID, "profiles", n)
	}
	return err
}

// reconcile settles a message an earlier attempt left "sending". A provider
// that drops repeats by message ID (LINE) is simply called again. Any other
// is not: within the channel's confirmation window the attempt fails with
// a retryable AwaitingConfirmation error, so Temporal tries again later and
// finds the row the provider's webhook moved (processed, delivered,
// dropped, …); past the window, or with none, the message is settled
// "unconfirmed" — at most once, never a second copy.
func (a *Activities) reconcile(ctx context.Context, in SendInput, sender channels.Sender, m channels.Message, row store.LoggedMessage) (SendResult, error) {
	if channels.Deduplicates(sender) {
		activity.GetLogger(ctx).Info("resending under the same idempotency key", "messageId", in.MessageID)
		return a.call(ctx, in, sender, m)
	}
	if left := a.opts.ConfirmWithin[in.Channel] - time.Since(row.UpdatedAt); left > 0 {
		return SendResult{}, temporal.NewApplicationErrorWithOptions(
			fmt.Sprintf("message %s: an earlier attempt's call to the %s provider has no answer; waiting for its webhook to confirm it (%s left)",
				in.MessageID, in.Channel, left.Round(time.Second)),
			AwaitingConfirmationType, temporal.ApplicationErrorOptions{NextRetryDelay: min(left, confirmPoll)})
	}
	detail, _ := json.Marshal(map[string]string{"reason": "the provider call of an earlier attempt has no answer and no webhook confirmed it; not sent again"})
	logged, _, err := a.store.RecordMessageEvent(ctx, store.MessageEvent{
		WorkspaceID: in.WorkspaceID, EventID: "send:" + in.MessageID, MessageID: in.MessageID,
		Status: MessageUnconfirmed, ProviderEvent: "unconfirmed", Detail: detail,
	})
	if err != nil {
		return SendResult{}, fmt.Errorf("settle %s unconfirmed: %w", in.MessageID, err)
	}
	activity.GetLogger(ctx).Warn("message settled unconfirmed", "messageId", in.MessageID, "status", logged.Status)
	return SendResult{MessageID: logged.ID, Status: logged.Status, Duplicate: true, ProviderID: logged.ProviderID}, nil
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

// errorClass is a provider error's class for the metrics, "" for none.
func errorClass(err error) string {
	if err == nil {
		return ""
	}
	if channels.IsPermanent(err) {
		return metrics.ErrorPermanent
	}
	if _, ok := channels.RetryAfter(err); ok {
		return metrics.ErrorRateLimited
	}
	return metrics.ErrorTransient
}

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
