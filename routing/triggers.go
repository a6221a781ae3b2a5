package routing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// scheduleSyncEvery is how often the sweeper makes every workspace's
// trigger schedules match its journeys, in case a lifecycle call could not.
const scheduleSyncEvery = 10 * time.Minute

// triggerSchedules are the Temporal Schedules the workspace's active
// journeys need: one per segment they enter on, one per date trigger.
func (r *Router) triggerSchedules(ctx context.Context, workspaceID string) ([]workflows.TriggerSchedule, error) {
	active, err := r.journeys.active(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	var want []workflows.TriggerSchedule
	add := func(t workflows.TriggerSchedule) {
		if !slices.ContainsFunc(want, func(w workflows.TriggerSchedule) bool { return w.ID == t.ID }) {
			want = append(want, t)
		}
	}
	addSegment := func(seg, user string) error {
		timed, err := r.segmentTimeDependent(ctx, workspaceID, seg)
		if errors.Is(err, store.ErrNotFound) {
			// Deleted since the journey or rule was saved: no sweep, nothing to track.
			r.Logger.Warn("a missing segment is tracked", "workspace", workspaceID, "by", user, "segment", seg)
			return nil
		}
		if err == nil {
			add(workflows.SegmentSweepSchedule(workspaceID, seg, timed))
		}
		return err
	}
	for _, j := range active {
		e := j.definition.Entry
		switch {
		case !j.enters:
		case e.Segment != "":
			if err := addSegment(e.Segment, "journey "+j.id); err != nil {
				return nil, err
			}
		case e.Date != nil:
			add(workflows.DateSweepSchedule(workspaceID, *e.Date, cmp.Or(j.definition.Timezone, "UTC")))
		}
	}
	menus, err := r.Store.RichMenuSegments(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for _, seg := range menus { // LINE rich menus per segment (richmenus/) track their segments too
		if err := addSegment(seg, "rich menu"); err != nil {
			return nil, err
		}
	}
	return want, nil
}

// SyncTriggers makes the workspace's trigger schedules match its active
// journeys, and stops tracking the segments no journey enters on any more.
func (r *Router) SyncTriggers(ctx context.Context, workspaceID string) error {
	if r.Temporal == nil {
		return nil // an API built without Temporal (the ingestion benchmark) runs no journeys
	}
	want, err := r.triggerSchedules(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("trigger schedules of %s: %w", workspaceID, err)
	}
	removed, err := workflows.SyncSchedules(ctx, r.Temporal, r.TaskQueue, workspaceID, want)
	for _, id := range removed {
		if seg := workflows.SegmentOfSchedule(workspaceID, id); seg != "" {
			if ferr := r.Store.ForgetSegment(ctx, workspaceID, seg); ferr != nil {
				return ferr
			}
		}
	}
	if err != nil {
		return fmt.Errorf("sync trigger schedules of %s: %w", workspaceID, err)
	}
	return nil
}

// SyncAllTriggers syncs every workspace's trigger schedules.
func (r *Router) SyncAllTriggers(ctx context.Context) error {
	wss, err := r.Store.ListWorkspaces(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ws := range wss {
		if err := r.SyncTriggers(ctx, ws.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sync trigger schedules: %d of %d workspaces failed, first: %w", len(errs), len(wss), errs[0])
	}
	return nil
}

// TrackedSegments are the segments that active journeys of the workspace
// enter on and whose baseline is recorded: the ones whose changes a
// customer's own events turn into segment_entered and segment_exited.
func (r *Router) TrackedSegments(ctx context.Context, workspaceID string) ([]string, error) {
	active, err := r.journeys.active(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	segs, err := r.Store.RichMenuSegments(ctx, workspaceID) // rich menus per segment (richmenus/)
	if err != nil {
		return nil, err
	}
	for _, j := range active {
		if seg := j.definition.Entry.Segment; j.enters && seg != "" && !slices.Contains(segs, seg) {
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return nil, nil
	}
	baselined, err := r.Store.BaselinedSegments(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(segs, func(seg string) bool { return !baselined[seg] }), nil
}

// IsTriggerEvent says whether an event is one Tabiji emits for triggers;
// such events never re-evaluate segments, so emitting cannot loop.
func IsTriggerEvent(e store.Event) bool {
	switch e.Name {
	case journey.SegmentEnteredEvent, journey.SegmentExitedEvent, journey.DateReachedEvent:
		return true
	}
	return false
}

// segmentTimeDependent says whether time alone can change the segment's
// members (no purchase for 21 days), which makes its sweep hourly.
func (r *Router) segmentTimeDependent(ctx context.Context, workspaceID, segmentID string) (bool, error) {
	seg, err := r.Store.GetSegment(ctx, workspaceID, segmentID)
	if err != nil {
		return false, err
	}
	return seg.TimeDependent, nil
}
