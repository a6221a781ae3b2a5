package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// scheduleSyncEvery is how often the sweeper makes every workspace's
// trigger schedules match its journeys, in case a lifecycle call could not.
const scheduleSyncEvery = 10 * time.Minute

// triggerSchedules are the Temporal Schedules the workspace's active
// journeys need: one per segment they enter on, one per date trigger.
func (s *server) triggerSchedules(ctx context.Context, workspaceID string) ([]workflows.TriggerSchedule, error) {
	active, err := s.journeys.active(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	var want []workflows.TriggerSchedule
	add := func(t workflows.TriggerSchedule) {
		if !slices.ContainsFunc(want, func(w workflows.TriggerSchedule) bool { return w.ID == t.ID }) {
			want = append(want, t)
		}
	}
	for _, j := range active {
		e := j.definition.Entry
		switch {
		case !j.enters:
		case e.Segment != "":
			timed, err := s.segmentTimeDependent(ctx, workspaceID, e.Segment)
			if errors.Is(err, store.ErrNotFound) {
				// Deleted since the journey was saved: no sweep, nothing to track.
				s.Logger.Warn("journey enters on a missing segment", "workspace", workspaceID, "journey", j.id, "segment", e.Segment)
				continue
			}
			if err != nil {
				return nil, err
			}
			add(workflows.SegmentSweepSchedule(workspaceID, e.Segment, timed))
		case e.Date != nil:
			add(workflows.DateSweepSchedule(workspaceID, *e.Date, cmp.Or(j.definition.Timezone, "UTC")))
		}
	}
	return want, nil
}

// syncTriggers makes the workspace's trigger schedules match its active
// journeys, and stops tracking the segments no journey enters on any more.
func (s *server) syncTriggers(ctx context.Context, workspaceID string) error {
	if s.Temporal == nil {
		return nil // an API built without Temporal (the ingestion benchmark) runs no journeys
	}
	want, err := s.triggerSchedules(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("trigger schedules of %s: %w", workspaceID, err)
	}
	removed, err := workflows.SyncSchedules(ctx, s.Temporal, s.TaskQueue, workspaceID, want)
	for _, id := range removed {
		if seg := workflows.SegmentOfSchedule(workspaceID, id); seg != "" {
			if ferr := s.Store.ForgetSegment(ctx, workspaceID, seg); ferr != nil {
				return ferr
			}
		}
	}
	if err != nil {
		return fmt.Errorf("sync trigger schedules of %s: %w", workspaceID, err)
	}
	return nil
}

// syncTriggersAfter is syncTriggers after a lifecycle call: a failure is
// logged, not answered, since the journey's change is made; the sweeper
// syncs again within scheduleSyncEvery.
func (s *server) syncTriggersAfter(ctx context.Context, workspaceID string) {
	s.segmentCache.invalidate(workspaceID)
	if err := s.syncTriggers(ctx, workspaceID); err != nil {
		s.Logger.Warn("trigger schedules not synced; the sweeper retries", "workspace", workspaceID, "error", err)
	}
}

// syncAllTriggers syncs every workspace's trigger schedules.
func (s *server) syncAllTriggers(ctx context.Context) error {
	wss, err := s.Store.ListWorkspaces(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ws := range wss {
		if err := s.syncTriggers(ctx, ws.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sync trigger schedules: %d of %d workspaces failed, first: %w", len(errs), len(wss), errs[0])
	}
	return nil
}

// trackedSegments are the segments that active journeys of the workspace
// enter on and whose baseline is recorded: the ones whose changes a
// customer's own events turn into segment_entered and segment_exited.
func (s *server) trackedSegments(ctx context.Context, workspaceID string) ([]string, error) {
	active, err := s.journeys.active(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	var segs []string
	for _, j := range active {
		if seg := j.definition.Entry.Segment; j.enters && seg != "" && !slices.Contains(segs, seg) {
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return nil, nil
	}
	baselined, err := s.Store.BaselinedSegments(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(segs, func(seg string) bool { return !baselined[seg] }), nil
}

// isTriggerEvent says whether an event is one Tabiji emits for triggers;
// such events never re-evaluate segments, so emitting cannot loop.
func isTriggerEvent(e store.Event) bool {
	switch e.Name {
	case journey.SegmentEnteredEvent, journey.SegmentExitedEvent, journey.DateReachedEvent:
		return true
	}
	return false
}

// segmentEvents builds the events for who entered and who left a segment.
func segmentEvents(workspaceID, segmentID string, entered, exited []string, at time.Time) []store.Event {
	var events []store.Event
	for _, id := range entered {
		events = append(events, activities.SegmentEvent(workspaceID, segmentID, id, true, at))
	}
	for _, id := range exited {
		events = append(events, activities.SegmentEvent(workspaceID, segmentID, id, false, at))
	}
	return events
}
