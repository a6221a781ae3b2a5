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

// sweepPagesPerRun is how many pages a sweep runs before it continues as
// new (a page is about six history events): a million customers' sweep
// stays far under Temporal's 51,200-event history limit.
const sweepPagesPerRun = 1000

// SweepCursor is where a sweep that continued as new picks up: the time it
// sweeps as of, the phase and the last customer done, and the counts so far.
type SweepCursor struct {
	At       time.Time   `json:"at"`
	Phase    string      `json:"phase,omitempty"`
	After    string      `json:"after,omitempty"`
	Baseline bool        `json:"baseline,omitempty"`
	Sofar    SweepResult `json:"sofar"`
}

// DateSweepInput is a date trigger's sweep: the trigger, and the zone of
// customers whose profile has none.
type DateSweepInput struct {
	WorkspaceID string              `json:"workspaceId"`
	Trigger     journey.DateTrigger `json:"trigger"`
	Timezone    string              `json:"timezone,omitempty"`
	PageSize    int                 `json:"pageSize,omitempty"` // SweepPageSize when zero
	// MaxPages is how many pages before continuing as new (sweepPagesPerRun when zero).
	MaxPages int          `json:"maxPages,omitempty"`
	Resume   *SweepCursor `json:"resume,omitempty"`
}

// SegmentSweepInput is a tracked segment's sweep.
type SegmentSweepInput struct {
	WorkspaceID string `json:"workspaceId"`
	SegmentID   string `json:"segmentId"`
	PageSize    int    `json:"pageSize,omitempty"` // SweepPageSize when zero
	// MaxPages is how many pages before continuing as new (sweepPagesPerRun when zero).
	MaxPages int          `json:"maxPages,omitempty"`
	Resume   *SweepCursor `json:"resume,omitempty"`
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
	cur := resume(ctx, in.Resume)
	actx := sweepActivity(ctx)
	for pages, done := 0, false; !done; pages++ {
		if pages == maxPages(in.MaxPages) {
			in.Resume = &cur
			return cur.Sofar, workflow.NewContinueAsNewError(ctx, DateTriggerSweep, in)
		}
		var page activities.PageResult // fresh: decoding leaves absent fields as they were
		err := workflow.ExecuteActivity(actx, acts.DateTriggerPage, activities.DatePageInput{
			WorkspaceID: in.WorkspaceID, Trigger: in.Trigger, Timezone: in.Timezone,
			At: cur.At, After: cur.After, Limit: pageSize(in.PageSize),
		}).Get(ctx, &page)
		if err != nil {
			return cur.Sofar, err
		}
		cur.Sofar.add(page)
		cur.After, done = page.Next, page.Done
	}
	return cur.Sofar, nil
}

// SegmentSweep brings a tracked segment's members up to date: it pages the
// segment's members (new ones are entered), then the tracked members (those
// gone are exited), each page one activity that emits the page's
// segment_entered and segment_exited events in one batch. The first sweep
// of a segment records its members without emitting (the baseline).
func SegmentSweep(ctx workflow.Context, in SegmentSweepInput) (SweepResult, error) {
	cur := resume(ctx, in.Resume)
	actx := sweepActivity(ctx)
	if in.Resume == nil {
		var start activities.SegmentSweepStart
		err := workflow.ExecuteActivity(actx, acts.StartSegmentSweep, activities.SegmentPageInput{
			WorkspaceID: in.WorkspaceID, SegmentID: in.SegmentID, At: cur.At,
		}).Get(ctx, &start)
		if err != nil {
			return SweepResult{}, err
		}
		cur.Baseline, cur.Phase = start.Baseline, activities.PhaseEnter
	}
	pages := 0
	for cur.Phase != "" {
		if pages == maxPages(in.MaxPages) {
			in.Resume = &cur
			return cur.Sofar, workflow.NewContinueAsNewError(ctx, SegmentSweep, in)
		}
		var page activities.PageResult
		err := workflow.ExecuteActivity(actx, acts.SegmentPage, activities.SegmentPageInput{
			WorkspaceID: in.WorkspaceID, SegmentID: in.SegmentID, At: cur.At, Phase: cur.Phase,
			Baseline: cur.Baseline, After: cur.After, Limit: pageSize(in.PageSize),
		}).Get(ctx, &page)
		if err != nil {
			return cur.Sofar, err
		}
		pages++
		cur.Sofar.add(page)
		cur.After = page.Next
		if page.Done {
			cur.After, cur.Phase = "", nextPhase(cur.Phase)
		}
	}
	if !cur.Baseline {
		return cur.Sofar, nil
	}
	err := workflow.ExecuteActivity(actx, acts.FinishSegmentBaseline, activities.SegmentPageInput{
		WorkspaceID: in.WorkspaceID, SegmentID: in.SegmentID, At: cur.At,
	}).Get(ctx, nil)
	return cur.Sofar, err
}

// resume is the cursor a continued sweep was handed, or a new one as of now
// (the scheduled time, for a run the schedule started).
func resume(ctx workflow.Context, c *SweepCursor) SweepCursor {
	if c != nil {
		return *c
	}
	return SweepCursor{At: workflow.Now(ctx)}
}

func nextPhase(p string) string {
	if p == activities.PhaseEnter {
		return activities.PhaseExit
	}
	return ""
}

func maxPages(n int) int {
	if n > 0 {
		return n
	}
	return sweepPagesPerRun
}

func pageSize(n int) int {
	if n > 0 {
		return n
	}
	return SweepPageSize
}
