package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/store"
)

// TestBroadcastWhoseBatchKeepsFailingEndsFailedWithTheReason: a batch
// that fails every attempt is tried broadcastAttempts times with a
// heartbeat timeout, then the broadcast is recorded failed with the
// activity's last error, rather than retried forever behind a "sending" row.
func TestBroadcastWhoseBatchKeepsFailingEndsFailedWithTheReason(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// On a busy machine (CI's two cores run test packages side by side) the
	// default 1 s deadlock check takes a slow scheduler for a stuck workflow.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.RegisterWorkflow(Broadcast)
	env.RegisterActivity(&activities.Activities{})
	var a *activities.Activities
	var statuses, errs []string
	env.OnActivity(a.BroadcastStatus, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.BroadcastStatusInput) (activities.BroadcastStatusResult, error) {
			statuses, errs = append(statuses, in.Status), append(errs, in.Error)
			return activities.BroadcastStatusResult{Audience: 2}, nil
		})
	env.OnActivity(a.BroadcastPage, mock.Anything, mock.Anything).Return(activities.BroadcastPageResult{CustomerIDs: []string{"c1", "c2"}}, nil)
	env.OnActivity(a.BroadcastBatch, mock.Anything, mock.Anything).Return(activities.BroadcastBatchResult{}, errors.New("provider answered 503"))
	attempts := 0
	var heartbeat time.Duration
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "BroadcastBatch" {
			attempts++
			heartbeat = info.HeartbeatTimeout
		}
	})
	env.ExecuteWorkflow(Broadcast, BroadcastInput{Spec: activities.BroadcastSpec{WorkspaceID: "w", BroadcastID: "b", Channel: "email"}})
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not end")
	}
	var p BroadcastProgress
	if err := env.GetWorkflowResult(&p); err != nil {
		t.Fatalf("the workflow failed instead of recording the failure: %v", err)
	}
	if attempts != broadcastAttempts || heartbeat != broadcastHeartbeat {
		t.Errorf("batch attempts = %d with heartbeat timeout %v, want %d with %v", attempts, heartbeat, broadcastAttempts, broadcastHeartbeat)
	}
	last := len(statuses) - 1
	if p.Status != store.BroadcastFailed || last < 0 || statuses[last] != store.BroadcastFailed ||
		!strings.Contains(errs[last], "BroadcastBatch") || !strings.Contains(errs[last], "provider answered 503") {
		t.Errorf("status = %s, recorded %v with %q", p.Status, statuses, errs)
	}
}
