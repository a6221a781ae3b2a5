package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/journey"
)

// How often the trigger sweeps run. A segment that time alone changes
// (no purchase for 21 days) is swept hourly; any other segment daily, as a
// net under the API's evaluation on each customer's own events. A date
// trigger is swept hourly, so a customer's local 09:00 is met within the hour.
const (
	TimeSegmentSweepEvery  = time.Hour
	OtherSegmentSweepEvery = 24 * time.Hour
	DateSweepEvery         = time.Hour
)

// TriggerSchedule is one Temporal Schedule that a workspace's active
// journeys need: a segment's sweep or a date trigger's.
type TriggerSchedule struct {
	ID       string
	Every    time.Duration
	Workflow any // SegmentSweep or DateTriggerSweep
	Input    any
	// SegmentID is the segment a segment sweep tracks.
	SegmentID string
}

func schedulePrefix(workspaceID string) string { return "ws_" + workspaceID + "/trigger/" }

// SegmentSweepSchedule is the schedule of a segment's sweep.
func SegmentSweepSchedule(workspaceID, segmentID string, timeDependent bool) TriggerSchedule {
	every := OtherSegmentSweepEvery
	if timeDependent {
		every = TimeSegmentSweepEvery
	}
	return TriggerSchedule{
		ID: schedulePrefix(workspaceID) + "segment/" + segmentID, Every: every, Workflow: SegmentSweep,
		Input: SegmentSweepInput{WorkspaceID: workspaceID, SegmentID: segmentID}, SegmentID: segmentID,
	}
}

// DateSweepSchedule is the schedule of a date trigger's sweep, with the
// zone of customers whose profile has none.
func DateSweepSchedule(workspaceID string, t journey.DateTrigger, timezone string) TriggerSchedule {
	return TriggerSchedule{
		ID: schedulePrefix(workspaceID) + "date/" + t.Key() + "/" + timezone, Every: DateSweepEvery, Workflow: DateTriggerSweep,
		Input: DateSweepInput{WorkspaceID: workspaceID, Trigger: t, Timezone: timezone},
	}
}

// SegmentOfSchedule is the segment a segment sweep's schedule ID names, or "".
func SegmentOfSchedule(workspaceID, scheduleID string) string {
	id, _ := strings.CutPrefix(scheduleID, schedulePrefix(workspaceID)+"segment/")
	if id == scheduleID {
		return ""
	}
	return id
}

// SyncSchedules makes the workspace's trigger schedules exactly want: it
// creates those missing (their first sweep runs at once), updates those
// there (so a restart or a second API process changes nothing), and deletes
// the workspace's others. It returns the IDs it deleted.
func SyncSchedules(ctx context.Context, c client.Client, taskQueue, workspaceID string, want []TriggerSchedule) ([]string, error) {
	wanted := map[string]bool{}
	for _, s := range want {
		wanted[s.ID] = true
		if err := putSchedule(ctx, c, taskQueue, s); err != nil {
			return nil, err
		}
	}
	existing, err := listSchedules(ctx, c, schedulePrefix(workspaceID))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, id := range existing {
		if wanted[id] {
			continue
		}
		err := c.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			return removed, fmt.Errorf("delete schedule %s: %w", id, err)
		}
		removed = append(removed, id)
	}
	return removed, nil
}

func putSchedule(ctx context.Context, c client.Client, taskQueue string, s TriggerSchedule) error {
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.Every}}}
	action := &client.ScheduleWorkflowAction{
		ID: s.ID + "/sweep", Workflow: s.Workflow, Args: []any{s.Input}, TaskQueue: taskQueue,
		WorkflowExecutionTimeout: s.Every,
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: s.ID, Spec: spec, Action: action, Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: s.Every, TriggerImmediately: true,
	})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("create schedule %s: %w", s.ID, err)
		}
		return nil
	}
	err = c.ScheduleClient().GetHandle(ctx, s.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sched := in.Description.Schedule
			sched.Spec, sched.Action = &spec, action
			sched.Policy = &client.SchedulePolicies{Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: s.Every}
			return &client.ScheduleUpdate{Schedule: &sched}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", s.ID, err)
	}
	return nil
}

func listSchedules(ctx context.Context, c client.Client, prefix string) ([]string, error) {
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{PageSize: 1000})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	var ids []string
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list schedules: %w", err)
		}
		if strings.HasPrefix(e.ID, prefix) {
			ids = append(ids, e.ID)
		}
	}
	return ids, nil
}
