package ingest

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/store"
)

// trackedSegment is a segment that a customer's own calls can move them
// into or out of: the event names its conditions read (through the segments
// it references too) and whether it reads traits or tags, which identify
// calls change. A call that touches neither cannot change it, so ingestion
// skips it at no cost.
type trackedSegment struct {
	id     string
	events []string
	traits bool // traits or tags
}

func (g trackedSegment) movedBy(e store.Event) bool {
	if e.Type == Identify {
		return g.traits
	}
	return e.Type == Track && slices.Contains(g.events, e.Name)
}

// loadMovers reads the workspace's tracked segments and what moves them,
// for the segment cache.
func (p *Pipeline) loadMovers(ctx context.Context, workspaceID string) ([]trackedSegment, error) {
	ids, err := p.Router.TrackedSegments(ctx, workspaceID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	resolve, err := p.Store.SegmentResolver(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("segments of %s: %w", workspaceID, err)
	}
	var segs []trackedSegment
	for _, id := range ids {
		if d, ok := resolve(id); ok {
			segs = append(segs, describeSegment(id, d, resolve))
		}
	}
	return segs, nil
}

// describeSegment finds what can move a customer into or out of a segment,
// following the segments it references.
func describeSegment(id string, d segments.Definition, resolve segments.Resolver) trackedSegment {
	g := trackedSegment{id: id}
	seen := map[string]bool{id: true}
	var visit func(c segments.Condition)
	visit = func(c segments.Condition) {
		switch {
		case c.Trait != nil || c.Tag != "":
			g.traits = true
		case c.Event != nil && !slices.Contains(g.events, c.Event.Name):
			g.events = append(g.events, c.Event.Name)
		case c.Not != nil:
			visit(*c.Not)
		case c.Segment != "" && !seen[c.Segment]:
			seen[c.Segment] = true
			if ref, ok := resolve(c.Segment); ok {
				visit(ref.Condition)
			}
		}
		for _, x := range append(slices.Clip(c.And), c.Or...) {
			visit(x)
		}
	}
	visit(d.Condition)
	return g
}

// segmentsMoved pairs each tracked segment with the customers whose stored
// calls (not Tabiji's own trigger events) may have moved them.
// Merged customers (their profile just absorbed another) may have moved in
// every one of them.
func segmentsMoved(segs []trackedSegment, out []store.Inserted, merged []string) map[string][]string {
	moved := map[string][]string{}
	for _, g := range segs {
		moved[g.id] = append(moved[g.id], merged...)
	}
	for _, o := range out {
		e := o.Event
		if !o.Inserted || routing.IsTriggerEvent(e) || e.UserID == "" {
			continue
		}
		for _, g := range segs {
			if g.movedBy(e) && !slices.Contains(moved[g.id], e.UserID) {
				moved[g.id] = append(moved[g.id], e.UserID)
			}
		}
	}
	maps.DeleteFunc(moved, func(_ string, ids []string) bool { return len(ids) == 0 })
	return moved
}
