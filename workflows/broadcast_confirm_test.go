package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/store"
)

// confirmBundle is a broadcast of three customers whose one batch calls
// the provider on its first attempt and loses the answer; later attempts
// wait for the webhook as BroadcastBatch does (AwaitingConfirmation every
// poll) until it confirms (confirmAt after the call, if set) or the window
// ends, and then count the messages sent, as the rows say.
type confirmBundle struct {
	*broadcastBundle
	providerCalls, runs int
	calledAt, doneAt    time.Time
}

func confirmSetup(t *testing.T, window, poll, confirmAt time.Duration) *confirmBundle {
	t.Helper()
	cb := &confirmBundle{broadcastBundle: broadcastSetupTaking(t, 3, time.Second)}
	cb.onBatch = func(_ context.Context, in activities.BroadcastBatchInput) (activities.BroadcastBatchResult, error) {
		cb.mu.Lock()
		defer cb.mu.Unlock()
		now := cb.env.Now()
		if cb.providerCalls == 0 {
			cb.providerCalls++
			cb.calledAt = now
			return activities.BroadcastBatchResult{}, errors.New("read tcp: connection reset by peer") // the answer is lost
		}
		since := now.Sub(cb.calledAt)
		if (confirmAt == 0 || since < confirmAt) && since < window {
			return activities.BroadcastBatchResult{}, temporal.NewApplicationErrorWithOptions("waiting for the webhook",
				activities.AwaitingConfirmationType, temporal.ApplicationErrorOptions{NextRetryDelay: poll})
		}
		cb.doneAt = now
		return activities.BroadcastBatchResult{Sent: len(in.CustomerIDs), Duplicates: len(in.CustomerIDs)}, nil
	}
	cb.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "BroadcastBatch" && info.Attempt == 1 {
			cb.runs++
		}
	})
	return cb
}

// TestBroadcastBatchWaitsOutTheConfirmWindow: a batch waiting for
// SendGrid's webhook outlasts its attempts but not the broadcast: it is
// started again until the webhook confirms or the confirmation window
// ends, on the test clock, and the provider is called once.
func TestBroadcastBatchWaitsOutTheConfirmWindow(t *testing.T) {
	t.Run("FifteenSecondPollsOutlastTwentyAttempts", func(t *testing.T) {
		cb := confirmSetup(t, 15*time.Minute, 15*time.Second, 0)
		p := cb.run(BroadcastInput{})
		if err := cb.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if p.Status != store.BroadcastCompleted || p.Sent != 3 || cb.providerCalls != 1 || cb.runs < 2 {
			t.Fatalf("progress %+v, provider calls %d, batch runs %d; want completed, 3 sent, one call, the batch started again",
				p, cb.providerCalls, cb.runs)
		}
		if d := cb.doneAt.Sub(cb.calledAt); d < 15*time.Minute || d > 16*time.Minute {
			t.Errorf("the batch settled %v after the call; want at the end of the 15-minute window", d)
		}
	})
	t.Run("AWindowLongerThanTheAttemptsAtTheMaximumInterval", func(t *testing.T) {
		// The server holds a retry's delay to the policy's MaximumInterval (a minute).
		cb := confirmSetup(t, 45*time.Minute, time.Minute, 0)
		p := cb.run(BroadcastInput{})
		if p.Status != store.BroadcastCompleted || cb.providerCalls != 1 || cb.runs < 3 || cb.doneAt.Sub(cb.calledAt) < 45*time.Minute {
			t.Fatalf("progress %+v, provider calls %d, runs %d, settled after %v; want completed after the 45-minute window, one call",
				p, cb.providerCalls, cb.runs, cb.doneAt.Sub(cb.calledAt))
		}
	})
	t.Run("TheWebhookConfirmingEndsTheWait", func(t *testing.T) {
		cb := confirmSetup(t, 15*time.Minute, 15*time.Second, 7*time.Minute)
		p := cb.run(BroadcastInput{})
		if d := cb.doneAt.Sub(cb.calledAt); p.Status != store.BroadcastCompleted || cb.providerCalls != 1 || d < 7*time.Minute || d > 8*time.Minute {
			t.Fatalf("progress %+v, provider calls %d, done %v after the call; want completed at the confirmation, 7 minutes on", p, cb.providerCalls, d)
		}
	})
	t.Run("ABroadcastBegunBeforeTheChangeFailsAsItDid", func(t *testing.T) {
		cb := confirmSetup(t, 15*time.Minute, 15*time.Second, 0)
		cb.env.OnGetVersion(confirmChange, workflow.DefaultVersion, confirmVersion).Return(workflow.DefaultVersion)
		p := cb.run(BroadcastInput{})
		if p.Status != store.BroadcastFailed || cb.runs != 1 || cb.providerCalls != 1 {
			t.Errorf("progress %+v, runs %d; want failed after one run's attempts, as before", p, cb.runs)
		}
	})
}
