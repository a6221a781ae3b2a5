package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
)

// RetentionScheduleID is the Temporal Schedule that enforces every
// workspace's retention, once a day.
const RetentionScheduleID = "tabiji/retention"

// RetentionEvery is how often retention runs.
const RetentionEvery = 24 * time.Hour

// RetentionInput is one pass of retention (the schedule's action).
type RetentionInput struct {
	BatchSize int `json:"batchSize,omitempty"` // activities.RetentionBatch when zero
}

// Retention deletes, as of its start, what the workspaces' retention
// settings no longer keep: whole monthly event partitions where it can,
// old events, messages and provision records otherwise (one activity,
// heartbeating, retried until the next pass would take over).
func Retention(ctx workflow.Context, in RetentionInput) (activities.RetentionResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Hour,
		ScheduleToCloseTimeout: RetentionEvery - time.Hour,
		HeartbeatTimeout:       5 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Minute, MaximumInterval: 30 * time.Minute},
	})
	var res activities.RetentionResult
	err := workflow.ExecuteActivity(actx, acts.EnforceRetention, activities.RetentionInput{
		At: workflow.Now(ctx), BatchSize: in.BatchSize,
	}).Get(ctx, &res)
	return res, err
}

// EnsureRetentionSchedule creates the daily retention schedule when it is
// missing (its first pass runs at once); one that exists is left as it is.
func EnsureRetentionSchedule(ctx context.Context, c client.Client, taskQueue string) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:   RetentionScheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: RetentionEvery}}},
		Action: &client.ScheduleWorkflowAction{
			ID: RetentionScheduleID + "/pass", Workflow: Retention, Args: []any{RetentionInput{}}, TaskQueue: taskQueue,
			WorkflowExecutionTimeout: RetentionEvery,
		},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: RetentionEvery, TriggerImmediately: true,
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", RetentionScheduleID, err)
	}
	return nil
}
