package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/segments"
)

// ErrInUse is returned when a row cannot go because others refer to it.
var ErrInUse = errors.New("store: in use")

// Segment is a stored segment definition.
type Segment struct {
	WorkspaceID string
	ID          string
	Name        string
	Description string
	Definition  json.RawMessage // segments.Definition
	// TimeDependent is true when time alone can change who is in the
	// segment (segments.TimeDependentWith, references followed).
	TimeDependent bool
	Version       int // 1, then one more on every update
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const segmentColumns = `workspace_id, id, name, description, definition, version, created_at, updated_at`

func scanSegment(row pgx.Row) (Segment, error) {
	var g Segment
	err := row.Scan(&g.WorkspaceID, &g.ID, &g.Name, &g.Description, &g.Definition, &g.Version, &g.CreatedAt, &g.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Segment{}, ErrNotFound
	}
	return g, err
}

// CreateSegment stores a new segment at version 1. It returns ErrConflict
// when the workspace has a segment with this id.
func (s *Store) CreateSegment(ctx context.Context, workspaceID string, g Segment) (Segment, error) {
	out, err := scanSegment(s.pool.QueryRow(ctx, `
		INSERT INTO segments (workspace_id, id, name, description, definition)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+segmentColumns,
		workspaceID, g.ID, g.Name, g.Description, g.Definition))
	switch pgCode(err) {
	case uniqueViolation:
		return Segment{}, fmt.Errorf("store: unable to create segment %q: %w", g.ID, ErrConflict)
	case foreignKeyViolation:
		return Segment{}, fmt.Errorf("store: unable to create segment: workspace %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return Segment{}, fmt.Errorf("store: unable to create segment %q: %w", g.ID, err)
	}
	return s.withTimeDependence(ctx, workspaceID, out)
}

// UpdateSegment replaces a segment's name, description and definition and
// moves it to its next version. It returns ErrNotFound.
func (s *Store) UpdateSegment(ctx context.Context, workspaceID string, g Segment) (Segment, error) {
	out, err := scanSegment(s.pool.QueryRow(ctx, `
		UPDATE segments SET name = $3, description = $4, definition = $5, version = version + 1, updated_at = now()
		WHERE workspace_id = $1 AND id = $2 RETURNING `+segmentColumns,
		workspaceID, g.ID, g.Name, g.Description, g.Definition))
	if err != nil {
		return Segment{}, fmt.Errorf("store: unable to update segment %q: %w", g.ID, err)
	}
	return s.withTimeDependence(ctx, workspaceID, out)
}

// DeleteSegment removes a segment. It returns ErrNotFound, or ErrInUse,
// naming every user, while other segments reference it, an active or
// paused journey enters on it (entry.segment of the version customers
// enter), or a broadcast that has not ended (scheduled, sending or paused)
// sends to it: deleting it would stop their sweeps or fail their sends.
func (s *Store) DeleteSegment(ctx context.Context, workspaceID, id string) error {
	all, err := s.ListSegments(ctx, workspaceID)
	if err != nil {
		return err
	}
	var users []string
	for _, g := range all {
		if d, err := segments.Parse(g.Definition); err == nil && slices.Contains(d.References(), id) {
			users = append(users, g.ID)
		}
	}
	journeys, broadcasts, err := s.segmentSenders(ctx, workspaceID, id)
	if err != nil {
		return fmt.Errorf("store: unable to delete segment %q: %w", id, err)
	}
	var uses []string
	if len(users) > 0 {
		uses = append(uses, fmt.Sprintf("segments %s reference it (change their definitions)", strings.Join(users, ", ")))
	}
	if len(journeys) > 0 {
		uses = append(uses, fmt.Sprintf("journeys %s enter on it (archive them first)", strings.Join(journeys, ", ")))
	}
	if len(broadcasts) > 0 {
		uses = append(uses, fmt.Sprintf("broadcasts %s send to it (cancel them or let them finish)", strings.Join(broadcasts, ", ")))
	}
	if len(uses) > 0 {
		return fmt.Errorf("store: unable to delete segment %q: %s: %w", id, strings.Join(uses, "; "), ErrInUse)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM segments WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return fmt.Errorf("store: unable to delete segment %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: unable to delete segment %q: %w", id, ErrNotFound)
	}
	return nil
}

// segmentSenders lists, by id, the active or paused journeys whose entered
// version enters on the segment and the broadcasts not yet ended that send
// to it.
func (s *Store) segmentSenders(ctx context.Context, workspaceID, id string) (journeys, broadcasts []string, err error) {
	rows, err := s.pool.Query(ctx, `
		SELECT j.id FROM journeys j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.active_version
		WHERE j.workspace_id = $1 AND j.status IN ('active', 'paused') AND v.definition->'entry'->>'segment' = $2
		ORDER BY j.id COLLATE "C"`, workspaceID, id)
	if err != nil {
		return nil, nil, err
	}
	if journeys, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT id FROM broadcasts
		WHERE workspace_id = $1 AND segment_id = $2 AND status IN ('scheduled', 'sending', 'paused')
		ORDER BY id COLLATE "C"`, workspaceID, id)
	if err != nil {
		return nil, nil, err
	}
	broadcasts, err = pgx.CollectRows(rows, pgx.RowTo[string])
	return journeys, broadcasts, err
}

// GetSegment returns one segment, or ErrNotFound.
func (s *Store) GetSegment(ctx context.Context, workspaceID, id string) (Segment, error) {
	g, err := scanSegment(s.pool.QueryRow(ctx, `SELECT `+segmentColumns+` FROM segments
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if err != nil {
		return Segment{}, fmt.Errorf("store: unable to get segment %q: %w", id, err)
	}
	return s.withTimeDependence(ctx, workspaceID, g)
}

// ListSegments returns the workspace's segments ordered by id.
func (s *Store) ListSegments(ctx context.Context, workspaceID string) ([]Segment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+segmentColumns+` FROM segments
		WHERE workspace_id = $1 ORDER BY id COLLATE "C"`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list segments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Segment, error) { return scanSegment(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list segments: %w", err)
	}
	resolve := resolverOf(out)
	for i := range out {
		if d, err := segments.Parse(out[i].Definition); err == nil {
			out[i].TimeDependent = segments.TimeDependentWith(d, resolve)
		}
	}
	return out, nil
}

// SegmentResolver finds the workspace's segment definitions by id, as
// segments.Validate and segments.Compile need them.
func (s *Store) SegmentResolver(ctx context.Context, workspaceID string) (segments.Resolver, error) {
	all, err := s.ListSegments(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return resolverOf(all), nil
}

func resolverOf(list []Segment) segments.Resolver {
	defs := make(map[string]segments.Definition, len(list))
	for _, g := range list {
		if d, err := segments.Parse(g.Definition); err == nil {
			defs[g.ID] = d
		}
	}
	return func(id string) (segments.Definition, bool) {
		d, ok := defs[id]
		return d, ok
	}
}

func (s *Store) withTimeDependence(ctx context.Context, workspaceID string, g Segment) (Segment, error) {
	d, err := segments.Parse(g.Definition)
	if err != nil {
		return Segment{}, fmt.Errorf("store: segment %q has a definition that does not parse: %w", g.ID, err)
	}
	if len(d.References()) == 0 {
		g.TimeDependent = segments.TimeDependent(d)
		return g, nil
	}
	resolve, err := s.SegmentResolver(ctx, workspaceID)
	if err != nil {
		return Segment{}, err
	}
	g.TimeDependent = segments.TimeDependentWith(d, resolve)
	return g, nil
}
