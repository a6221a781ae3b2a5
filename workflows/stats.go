package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// statsChange names the workflow change that made runs report their
// statistics: runs started before it replay without reporting. Its version
// 2 is the lean run (see journeyRun.lean): one change ID for both. A run
// entered since JourneyInput.Shape carries its version in its input and
// calls no GetVersion: no version marker and no TemporalChangeVersion
// upsert (two history events and a visibility write per run); runs
// entered before still decide by their marker, or its absence.
const statsChange = "run-stats"

// Versions of statsChange.
const (
	statsVersion = 1 // the run reports its statistics
	leanVersion  = 2 // and spends fewer history events (journeyRun.lean)
)

// runStats gathers what the run reports of itself (steps, conversions,
// exit) and sends it with the RecordRun local activity where the run would
// wait anyway: before a timer or signal wait, before an activity, and at the
// end. A journey of N nodes with W waits costs W+1 markers, not N.
type runStats struct {
	on      bool
	seq     int // the current step's number, from 1
	pending activities.RecordRunInput
	dirty   bool
}

func (s *runStats) init(ctx workflow.Context, r *journeyRun) {
	v := workflow.Version(r.in.Shape)
	switch {
	case v == 0:
		v = workflow.GetVersion(ctx, statsChange, workflow.DefaultVersion, leanVersion)
	case v > leanVersion:
		// As GetVersion does: the task fails and is retried until a worker
		// that knows this shape takes it.
		panic(fmt.Sprintf("run shape %d is newer than this worker knows (%d)", v, leanVersion))
	}
	r.shape = v
	s.on, r.lean = v >= statsVersion, v >= leanVersion
	info := workflow.GetInfo(ctx)
	s.pending = activities.RecordRunInput{
		WorkspaceID: r.in.WorkspaceID, RunKey: info.WorkflowExecution.ID + "/" + info.FirstRunID,
		JourneyID: r.in.JourneyID, Version: r.state.Version, CustomerID: r.in.CustomerID,
		WorkflowID: info.WorkflowExecution.ID, EnteredAt: r.state.StartedAt, Holdout: r.state.Holdout,
	}
	if r.in.Carry != nil {
		s.seq = r.in.Carry.StatsSeq
		s.pending.Version = r.in.Carry.EntryVersion
	}
	if s.pending.Version == 0 {
		s.pending.Version = r.state.Version
	}
	s.dirty = r.in.Carry == nil // the entry itself
}

// entered notes that the run entered node n at at.
func (s *runStats) entered(n journey.Node, at time.Time) {
	s.seq++
	s.pending.Steps = append(s.pending.Steps, activities.RunStep{Seq: s.seq, Node: n.ID, Kind: n.Kind, EnteredAt: at})
	s.dirty = true
}

// variant notes the variant the current step (a split) assigned.
func (s *runStats) variant(name string) {
	for i := range s.pending.Steps {
		if s.pending.Steps[i].Seq == s.seq {
			s.pending.Steps[i].Variant = name
		}
	}
}

// left notes that the run went on from the current step to next ("": it ended there).
func (s *runStats) left(next string) {
	s.pending.Leaves = append(s.pending.Leaves, activities.RunLeave{Seq: s.seq, Next: next})
	s.dirty = true
}

func (s *runStats) converted(ev journey.Event, at time.Time) {
	if !s.on {
		return
	}
	s.pending.Conversions = append(s.pending.Conversions, activities.RunConversion{
		MessageID: ev.MessageID, At: at, Revenue: journey.Revenue(ev.Properties),
	})
	s.dirty = true
}

func (s *runStats) exited(reason string, at time.Time) {
	s.pending.Exit = &activities.RunExit{At: at, Reason: reason}
	s.dirty = true
}

// flush sends what gathered since the last report. A report that fails
// for five minutes (an hour at the end of the run) is kept and sent again
// with the next one: statistics never hold a customer's journey up for
// long, and a late report still counts once.
func (s *runStats) flush(ctx workflow.Context, final bool) {
	if !s.on || !s.dirty {
		return
	}
	limit := 5 * time.Minute
	if final {
		limit = time.Hour
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: limit,
	})
	var res activities.RecordRunResult
	if err := workflow.ExecuteLocalActivity(lctx, acts.RecordRun, s.pending).Get(ctx, &res); err != nil {
		workflow.GetLogger(ctx).Error("run statistics not recorded yet", "error", err)
		return
	}
	p := &s.pending
	p.Steps, p.Leaves, p.Conversions, p.Exit = nil, nil, nil, nil
	s.dirty = false
}
