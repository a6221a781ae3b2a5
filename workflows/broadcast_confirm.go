package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
)

// confirmChange marks, in broadcast histories, a batch started again after
// it ran out of attempts waiting for a provider's webhook to confirm an
// unanswered call (activities.AwaitingConfirmation). Before it, the
// broadcast ended failed there, although the confirmation window
// (--email-confirm-window, 15 minutes by default) was not over: 20
// attempts 15 seconds apart last about 5 minutes. A run whose history has
// no marker fails there as it did.
const (
	confirmChange  = "broadcast-confirm-rerun"
	confirmVersion = 1
	// maxConfirmRuns bounds the batch's runs while it waits: each run's
	// attempts wait about 19 minutes (at most a minute apart, the retry
	// policy's MaximumInterval), so 24 runs outlast any window under
	// seven hours. The activity itself settles the rows "unconfirmed"
	// when the window ends, so the bound is only a guard.
	maxConfirmRuns = 24
)

// awaitBatch waits for a batch's result. A batch that gave up only because
// the provider's webhook has not yet confirmed an earlier attempt's call
// is started again for the same customers: its rows say what was sent, so
// the new run sends nothing twice and goes on waiting for the webhook, or
// settles the rows "unconfirmed" once the window is over.
func (b *broadcastRun) awaitBatch(ctx workflow.Context, run *batchRun) (activities.BroadcastBatchResult, error) {
	for runs := 1; ; runs++ {
		var res activities.BroadcastBatchResult
		err := run.f.Get(ctx, &res)
		if err == nil || !awaitingConfirmation(err) || runs >= maxConfirmRuns {
			return res, err
		}
		if workflow.GetVersion(ctx, confirmChange, workflow.DefaultVersion, confirmVersion) == workflow.DefaultVersion {
			return res, err
		}
		workflow.GetLogger(ctx).Info("batch waits for the provider's webhook past its attempts: started again", "runs", runs)
		run.f = b.batchActivity(ctx, run.customers)
	}
}

// awaitingConfirmation reports whether err is a batch that gave up while
// waiting for a provider's webhook (the error is retryable: only running
// out of attempts ends it).
func awaitingConfirmation(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == activities.AwaitingConfirmationType
}
