package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"

	"github.com/tabiji/tabiji/store"
)

// ReasonErased is the reason of a send skipped because its customer was
// erased (DELETE /v1/profiles/{id}) while it was on its way.
const ReasonErased = "the customer was erased"

// skipErased turns a send that found its customer erased (store.ErrErased:
// the message row was not written, or was erased before its claim) into a
// skipped result without a message row or a provider call, rather than an
// error Temporal would retry.
func (a *Activities) skipErased(ctx context.Context, in SendInput) func(SendResult, error) (SendResult, error) {
	return func(res SendResult, err error) (SendResult, error) {
		if !errors.Is(err, store.ErrErased) {
			return res, err
		}
		activity.GetLogger(ctx).Info("message not sent: the customer was erased", "messageId", in.MessageID)
		return SendResult{Status: MessageSkipped, Reason: ReasonErased}, nil
	}
}
