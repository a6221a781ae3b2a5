package tests

import (
	"context"
	"fmt"
	"testing"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// billable counts a workflow's Temporal Cloud actions from its histories,
// every run of it (continue-as-new followed), by the rules of Temporal
// Cloud's action definition (docs.temporal.io/cloud/actions):
//   - a start is one action, a continue-as-new start another; a
//     SignalWithStart is one action in all, so the signal that starts a run
//     (event 2 of its first run) is not counted again;
//   - every later signal is one;
//   - every timer started is one;
//   - every search-attribute upsert is one, except one that sets only
//     TemporalChangeVersion (versioning's, exempt);
//   - the markers one workflow task records (local activities, side
//     effects, version markers) are one action together, per task;
//   - every activity scheduled is one, and each retry one more;
//   - a child workflow is two (its start and its execution).
//
// Queries, heartbeats and schedules leave no event in a history and are
// not counted (none of the journeys below uses them).
type billable struct {
	Runs, Signals, Timers, Upserts, MarkerTasks, Activities, Retries, Children int
}

// total is the actions the counts make.
func (b billable) total() int {
	return b.Runs + b.Signals + b.Timers + b.Upserts + b.MarkerTasks + b.Activities + b.Retries + 2*b.Children
}

func (b billable) String() string {
	return fmt.Sprintf("%d actions: %d start, %d signals, %d timers, %d upserts, %d marker tasks, %d activities, %d retries, %d children",
		b.total(), b.Runs, b.Signals, b.Timers, b.Upserts, b.MarkerTasks, b.Activities, b.Retries, b.Children)
}

func (b *billable) add(o billable) {
	b.Runs += o.Runs
	b.Signals += o.Signals
	b.Timers += o.Timers
	b.Upserts += o.Upserts
	b.MarkerTasks += o.MarkerTasks
	b.Activities += o.Activities
	b.Retries += o.Retries
	b.Children += o.Children
}

// billableActions reads every run of workflow id, from its first.
func billableActions(t testing.TB, tc client.Client, id string) billable {
	t.Helper()
	d, err := tc.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	var b billable
	first := true
	for runID := d.GetWorkflowExecutionInfo().GetFirstRunId(); runID != ""; first = false {
		var next string
		b.add(countRun(t, tc, id, runID, first, &next))
		runID = next
	}
	return b
}

// countRun counts one run's history; next is the run it continued as.
func countRun(t testing.TB, tc client.Client, id, runID string, first bool, next *string) billable {
	t.Helper()
	var b billable
	markerTasks := map[int64]bool{}
	it := tc.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			b.Runs++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			if !first || e.GetEventId() != 2 {
				b.Signals++
			}
		case enums.EVENT_TYPE_TIMER_STARTED:
			b.Timers++
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, version := fields["TemporalChangeVersion"]; !version || len(fields) > 1 {
				b.Upserts++
			}
		case enums.EVENT_TYPE_MARKER_RECORDED:
			markerTasks[e.GetMarkerRecordedEventAttributes().GetWorkflowTaskCompletedEventId()] = true
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			b.Activities++
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			b.Retries += max(0, int(e.GetActivityTaskStartedEventAttributes().GetAttempt())-1)
		case enums.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			b.Children++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			*next = e.GetWorkflowExecutionContinuedAsNewEventAttributes().GetNewExecutionRunId()
		}
	}
	b.MarkerTasks = len(markerTasks)
	return b
}
