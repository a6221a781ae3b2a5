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

// Broadcast activity limits. Every broadcast activity (a page, a status, a
// batch of up to 1,000 customers) heartbeats every HeartbeatEvery while it
// runs (activities' beatWhileRunning, whatever step it is in), so an
// attempt silent for broadcastHeartbeat, six heartbeats, is on a worker
// that died: it is retried then, not after its 10 minutes. (Before, a page
// or status on a killed worker held its broadcast back 10 minutes, a batch
// 2.) A hung provider call ends by its client's own timeout. Every
// activity is retried with backoff up to a minute apart, at most
// broadcastAttempts times (about a quarter of an hour), then the broadcast
// ends failed with the reason.
const (
	// HeartbeatEvery is the workers' MaxHeartbeatThrottleInterval: without
	// it the SDK holds heartbeats back for 0.8 of the heartbeat timeout,
	// one late heartbeat from timing out an attempt that is alive.
	HeartbeatEvery     = 5 * time.Second
	broadcastHeartbeat = 6 * HeartbeatEvery
	broadcastAttempts  = 20
)

// actx gives activities a 10-minute attempt that heartbeats, retried with
// backoff at most broadcastAttempts times.
func (b *broadcastRun) actx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    broadcastHeartbeat,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: broadcastAttempts},
	})
}

// batchCtx is actx on the channel's send queue.
func (b *broadcastRun) batchCtx(ctx workflow.Context, taskQueue string) workflow.Context {
	opts := workflow.GetActivityOptions(b.actx(ctx))
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
