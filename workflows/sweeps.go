package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// SweepPageSize is how many customers one page (one activity) of a sweep
// handles: sweeps cost one Temporal activity per page, never one per customer.
const SweepPageSize = 1000

// DateSweepInput is a date trigger's sweep: the trigger, and the zone of
// customers whose profile has none.
type DateSweepInput struct {
	WorkspaceID string              `json:"workspaceId"`
	Trigger     journey.DateTrigger `json:"trigger"`
	Timezone    string              `json:"timezone,omitempty"`
	PageSize    int                 `json:"pageSize,omitempty"` // SweepPageSize when zero
}

// SegmentSweepInput is a tracked segment's sweep.
type SegmentSweepInput struct {
	WorkspaceID string `json:"workspaceId"`
	SegmentID   string `json:"segmentId"`
	PageSize    int    `json:"pageSize,omitempty"` // SweepPageSize when zero
}

// SweepResult sums a sweep's pages.
type SweepResult struct {
	Pages   int `json:"pages"`
	Emitted int `json:"emitted"`
	Entered int `json:"entered"`
	Exited  int `json:"exited"`
}

func (r *SweepResult) add(p activities.PageResult) {
	r.Pages++
	r.Emitted += p.Emitted
	r.Entered += p.Entered
	r.Exited += p.Exited
}

// sweepActivity runs one page of a sweep. A page is idempotent (events
// under deterministic messageIds, membership written after them), so it is
// retried until the sweep's next run would take over.
func sweepActivity(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    5 * time.Minute,
		ScheduleToCloseTimeout: 50 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
}

// DateTriggerSweep emits date_reached for the customers whose date trait is
// today in their zone and whose local time has reached the trigger's, as of
// the sweep's start (its scheduled time), a page at a time. A Temporal
// Schedule runs it hourly while a journey enters on the trigger.
func DateTriggerSweep(ctx workflow.Context, in DateSweepInput) (SweepResult, error) {
	at := workflow.Now(ctx)
	actx := sweepActivity(ctx)
	var res SweepResult
	for next, done := "", false; !done; {
		var page activities.PageResult // fresh: decoding leaves absent fields as they were
		err := workflow.ExecuteActivity(actx, "DateTriggerPage", activities.DatePageInput{
			WorkspaceID: in.WorkspaceID, Trigger: in.Trigger, Timezone: in.Timezone,
			At: at, After: next, Limit: pageSize(in.PageSize),
		}).Get(ctx, &page)
		if err != nil {
			return res, err
		}
		res.add(page)
		next, done = page.Next, page.Done
	}
	return res, nil
}

// SegmentSweep brings a tracked segment's members up to date: it pages the
// segment's members (new ones are entered), then the tracked members (those
// gone are exited), each page one activity that emits the page's
// segment_entered and segment_exited events in one batch. The first sweep
// of a segment records its members without emitting (the baseline).
func SegmentSweep(ctx workflow.Context, in SegmentSweepInput) (SweepResult, error) {
	at := workflow.Now(ctx)
	actx := sweepActivity(ctx)
	var start activities.SegmentSweepStart
	err := workflow.ExecuteActivity(actx, "StartSegmentSweep", activities.SegmentPageInput{
		WorkspaceID: in.WorkspaceID, SegmentID: in.SegmentID, At: at,
	}).Get(ctx, &start)
	if err != nil {
		return SweepResult{}, err
	}
	var res SweepResult
	for _, phase := range []string{activities.PhaseEnter, activities.PhaseExit} {
		for next, done := "", false; !done; {
			var page activities.PageResult
			err := workflow.ExecuteActivity(actx, "SegmentPage", activities.SegmentPageInput{
				WorkspaceID: in.WorkspaceID, SegmentID: in.SegmentID, At: at, Phase: phase,
				Baseline: start.Baseline, After: next, Limit: pageSize(in.PageSize),
			}).Get(ctx, &page)
			if err != nil {
				return res, err
			}
			res.add(page)
			next, done = page.Next, page.Done
		}
	}
	if !start.Baseline {
		return res, nil
	}
	err = workflow.ExecuteActivity(actx, "FinishSegmentBaseline", activities.SegmentPageInput{
		WorkspaceID: in.WorkspaceID, SegmentID: in.SegmentID, At: at,
	}).Get(ctx, nil)
	return res, err
}

func pageSize(n int) int {
	if n > 0 {
		return n
	}
	return SweepPageSize
}
