package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Broadcast activity limits. A batch (up to 1,000 customers) heartbeats
// as it goes: an attempt silent for broadcastHeartbeat (a worker gone, a
// provider call hung) is retried at once rather than after its 10 minutes.
// Every activity is retried with backoff up to a minute apart, at most
// broadcastAttempts times (about a quarter of an hour), then the broadcast
// ends failed with the reason.
const (
	broadcastHeartbeat = 2 * time.Minute
	broadcastAttempts  = 20
)

// actx gives activities a 10-minute attempt retried with backoff, at most
// broadcastAttempts times.
func (b *broadcastRun) actx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: broadcastAttempts},
	})
}

// batchCtx is actx on the channel's send queue, with a heartbeat timeout.
func (b *broadcastRun) batchCtx(ctx workflow.Context, taskQueue string) workflow.Context {
	opts := workflow.GetActivityOptions(b.actx(ctx))
	opts.HeartbeatTimeout = broadcastHeartbeat
	opts.TaskQueue = taskQueue
	return workflow.WithActivityOptions(ctx, opts)
}

// failureReason says in one line why a broadcast failed: the activity
// that gave up and its last error.
func failureReason(err error) string {
	var act *temporal.ActivityError
	if !errors.As(err, &act) {
		return err.Error()
	}
	cause := errors.Unwrap(act)
	msg := "no cause given"
	var app *temporal.ApplicationError
	switch {
	case errors.As(cause, &app):
		msg = app.Message()
	case cause != nil:
		msg = cause.Error()
	}
	return fmt.Sprintf("%s gave up (%s): %s", act.ActivityType().GetName(), retryStateText(act.RetryState()), msg)
}

func retryStateText(rs enumspb.RetryState) string {
	switch rs {
	case enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED:
		return fmt.Sprintf("%d attempts", broadcastAttempts)
	case enumspb.RETRY_STATE_NON_RETRYABLE_FAILURE:
		return "not retryable"
	case enumspb.RETRY_STATE_TIMEOUT:
		return "timed out"
	}
	return strings.ToLower(strings.TrimPrefix(rs.String(), "RETRY_STATE_"))
}
