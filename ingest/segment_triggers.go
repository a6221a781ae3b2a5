package ingest

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/store"
)

// evaluateSegments re-evaluates the tracked segments for the customers
// whose calls just stored may have moved them (an event a segment reads, or
// traits), and emits segment_entered and segment_exited for those whose
// membership changed: stored and routed like the calls that caused them,
// then recorded. One membership query per segment moved, for the whole
// call; none when the call touches no tracked segment. A failure is
// logged: the segment's next sweep catches up. Merged are customers whose
// profile an identify or alias of the call just merged with another: their
// events and traits changed together, and the memberships of the profile
// merged away moved to them (store.MergeProfiles), so they are evaluated in
// every tracked segment.
func (p *Pipeline) evaluateSegments(ctx context.Context, workspaceID string, out []store.Inserted, merged []string) {
	segs, err := p.segments.Get(ctx, workspaceID)
	if err != nil {
		p.Logger.Warn("segments not evaluated; their sweeps catch up", "workspace", workspaceID, "error", err)
		return
	}
	if len(segs) == 0 {
		return
	}
	now := time.Now()
	for seg, ids := range segmentsMoved(segs, out, merged) {
		if err := p.evaluateSegment(ctx, workspaceID, seg, ids, now); err != nil {
			p.Logger.Warn("segment not evaluated; its sweep catches up", "workspace", workspaceID, "segment", seg, "error", err)
		}
	}
}

func (p *Pipeline) evaluateSegment(ctx context.Context, workspaceID, seg string, ids []string, now time.Time) error {
	entered, exited, err := p.Store.SegmentChanges(ctx, workspaceID, seg, ids)
	if err != nil || len(entered)+len(exited) == 0 {
		return err
	}
	out, err := p.Store.InsertEvents(ctx, store.SegmentEvents(workspaceID, seg, entered, exited, now))
	if err != nil {
		return err
	}
	// Stored events get routed (now, or by the sweeper), so the change is
	// recorded before routing: a routing failure must not emit it again.
	if err := p.Store.RecordSegmentChanges(ctx, workspaceID, seg, entered, exited, now); err != nil {
		return err
	}
	return p.Router.RouteStored(ctx, workspaceID, out)
}
