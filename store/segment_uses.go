package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/segments"
)

// SegmentUse is one thing that uses a segment: another segment that
// references it, a journey that enters on it, a broadcast that sends to
// it, a LINE rich menu rule that gives its members a menu.
type SegmentUse struct {
	Kind   string `json:"kind"` // segment, journey, broadcast, rich_menu
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"` // a journey's or broadcast's
}

// segmentUsesSQL lists the journeys (by the version their customers enter
// with, else the latest: a draft's), broadcasts and rich menu rules
// naming a segment, archived journeys left out.
const segmentUsesSQL = `
	SELECT v.definition->'entry'->>'segment', 'journey', j.id, j.name, j.status
	FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id
		AND v.version = coalesce(j.active_version, j.latest_version)
	WHERE j.workspace_id = $1 AND j.status <> 'archived' AND coalesce(v.definition->'entry'->>'segment', '') <> ''
	UNION ALL
	SELECT segment_id, 'broadcast', id, name, status FROM broadcasts WHERE workspace_id = $1
	UNION ALL
	SELECT segment_id, 'rich_menu', rich_menu_id, '', '' FROM line_rich_menu_rules WHERE workspace_id = $1
	ORDER BY 1, 2, 3`

// SegmentUses lists, by segment id, whatever uses each of the workspace's
// segments (segments referencing it first, then journeys, broadcasts and
// rich menus, each by id).
func (s *Store) SegmentUses(ctx context.Context, workspaceID string) (map[string][]SegmentUse, error) {
	_, uses, err := s.SegmentsWithUses(ctx, workspaceID)
	return uses, err
}

// SegmentsWithUses lists the workspace's segments, as ListSegments does,
// and what uses each, as SegmentUses does.
func (s *Store) SegmentsWithUses(ctx context.Context, workspaceID string) ([]Segment, map[string][]SegmentUse, error) {
	all, err := s.ListSegments(ctx, workspaceID)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]SegmentUse{}
	for _, g := range all {
		d, err := segments.Parse(g.Definition)
		if err != nil {
			continue
		}
		refs := d.References()
		slices.Sort(refs)
		for _, ref := range slices.Compact(refs) {
			out[ref] = append(out[ref], SegmentUse{Kind: "segment", ID: g.ID, Name: g.Name})
		}
	}
	rows, err := s.pool.Query(ctx, segmentUsesSQL, workspaceID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: unable to list the uses of segments: %w", err)
	}
	var seg string
	var u SegmentUse
	_, err = pgx.ForEachRow(rows, []any{&seg, &u.Kind, &u.ID, &u.Name, &u.Status}, func() error {
		out[seg] = append(out[seg], u)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: unable to read the uses of segments: %w", err)
	}
	return all, out, nil
}

// UsesOfSegment lists what uses segment id, as SegmentUses does; never
// nil. It returns ErrNotFound for a segment the workspace lacks.
func (s *Store) UsesOfSegment(ctx context.Context, workspaceID, id string) ([]SegmentUse, error) {
	_, uses, err := s.SegmentWithUses(ctx, workspaceID, id)
	return uses, err
}

// SegmentWithUses returns segment id, with time dependence as GetSegment
// gives it, and what uses it (never nil). It returns ErrNotFound for a
// segment the workspace lacks.
func (s *Store) SegmentWithUses(ctx context.Context, workspaceID, id string) (Segment, []SegmentUse, error) {
	g, err := s.GetSegment(ctx, workspaceID, id)
	if err != nil {
		return g, nil, err
	}
	all, err := s.SegmentUses(ctx, workspaceID)
	if err != nil {
		return g, nil, err
	}
	if all[id] == nil {
		return g, []SegmentUse{}, nil
	}
	return g, all[id], nil
}
