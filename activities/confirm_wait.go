package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// AwaitingConfirmationType is the type of the retryable error an attempt
// fails with while a provider's webhook has yet to confirm an earlier
// attempt's unanswered call (see reconcile and reconcileBatch).
const AwaitingConfirmationType = "AwaitingConfirmation"

// confirmPolls is how many times a broadcast batch waiting for a webhook
// looks again within one confirmation window, at most: the batch's
// attempts are limited (workflows' broadcastAttempts), so it may not look
// every confirmPoll through a 15-minute window.
const confirmPolls = 8

// AwaitingConfirmation is the retryable error of a broadcast batch whose
// earlier provider call is still unconfirmed with left of the window
// remaining. Its next attempt comes window/confirmPolls later (at least
// confirmPoll, at most the retry policy's MaximumInterval, which the
// server applies anyway, and no later than the window's end), so a
// window is waited out in about confirmPolls attempts.
func AwaitingConfirmation(ctx context.Context, message string, window, left time.Duration) error {
	var maxInterval time.Duration
	if p := activity.GetInfo(ctx).RetryPolicy; p != nil {
		maxInterval = p.MaximumInterval
	}
	return temporal.NewApplicationErrorWithOptions(message, AwaitingConfirmationType,
		temporal.ApplicationErrorOptions{NextRetryDelay: confirmRetryDelay(window, left, maxInterval)})
}

// confirmRetryDelay is the wait before the next look (see
// AwaitingConfirmation); maxInterval 0 for none.
func confirmRetryDelay(window, left, maxInterval time.Duration) time.Duration {
	d := max(confirmPoll, window/confirmPolls)
	if maxInterval > 0 {
		d = min(d, maxInterval)
	}
	// A second past the end, so the look after the last finds it over.
	return max(time.Second, min(d, left+time.Second))
}
