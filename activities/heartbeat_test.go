package activities

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestBeatWhileRunning: an activity blocked in one long step (it records
// no heartbeat itself) still heartbeats, every sixth of its heartbeat
// timeout, so its attempt is not timed out while its worker lives.
func TestBeatWhileRunning(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	beats := make(chan struct{}, 100)
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) {
		select {
		case beats <- struct{}{}:
		default:
		}
	})
	longStep := func(ctx context.Context) error {
		defer beatWhileRunning(ctx)()
		deadline := time.After(20 * time.Second)
		for range 3 {
			select {
			case <-beats:
			case <-deadline:
				return temporal.NewNonRetryableApplicationError("fewer than 3 heartbeats in 20s", "NoHeartbeat", nil)
			}
		}
		return nil
	}
	env.RegisterActivityWithOptions(longStep, activity.RegisterOptions{Name: "LongStep"})
	env.ExecuteWorkflow(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
			HeartbeatTimeout: 400 * time.Millisecond, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
		return workflow.ExecuteActivity(ctx, "LongStep").Get(ctx, nil)
	})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the long step failed: %v", err)
	}
}
