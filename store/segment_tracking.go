package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// BaselinedSegments returns the workspace's tracked segments whose
// baseline is recorded: only those turn membership changes into events.
func (s *Store) BaselinedSegments(ctx context.Context, workspaceID string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT segment_id FROM tracked_segments WHERE workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tracked segments: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tracked segments: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// MarkSegmentBaselined records that the segment's members as of at are in
// tracked_segment_members; a second call keeps the first time.
func (s *Store) MarkSegmentBaselined(ctx context.Context, workspaceID, segmentID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO tracked_segments (workspace_id, segment_id, baselined_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, workspaceID, segmentID, at)
	if err != nil {
		return fmt.Errorf("store: unable to mark segment %s baselined: %w", segmentID, err)
	}
	return nil
}

// ForgetSegment stops tracking a segment that no journey enters on any
// more; tracking it again starts from a new baseline.
func (s *Store) ForgetSegment(ctx context.Context, workspaceID, segmentID string) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to forget segment %s: %w", segmentID, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	for _, q := range []string{
		`DELETE FROM tracked_segments WHERE workspace_id = $1 AND segment_id = $2`,
		`DELETE FROM tracked_segment_members WHERE workspace_id = $1 AND segment_id = $2`,
	} {
		if _, err := tx.Exec(ctx, q, workspaceID, segmentID); err != nil {
			return fmt.Errorf("store: unable to forget segment %s: %w", segmentID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: unable to forget segment %s: %w", segmentID, err)
	}
	return nil
}

// TrackedMembers returns which of the customers the segment's tracking
// holds as members.
func (s *Store) TrackedMembers(ctx context.Context, workspaceID, segmentID string, ids []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT customer_id FROM tracked_segment_members
		WHERE workspace_id = $1 AND segment_id = $2 AND customer_id = ANY($3)`, workspaceID, segmentID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read members of segment %s: %w", segmentID, err)
	}
	in, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read members of segment %s: %w", segmentID, err)
	}
	out := make(map[string]bool, len(in))
	for _, id := range in {
		out[id] = true
	}
	return out, nil
}

// TrackedMembersPage returns up to limit tracked members of the segment
// whose IDs sort after after, in ID order (keyset paging).
func (s *Store) TrackedMembersPage(ctx context.Context, workspaceID, segmentID, after string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT customer_id FROM tracked_segment_members
		WHERE workspace_id = $1 AND segment_id = $2 AND customer_id > $3
		ORDER BY customer_id LIMIT $4`, workspaceID, segmentID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to page members of segment %s: %w", segmentID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to page members of segment %s: %w", segmentID, err)
	}
	return ids, nil
}

// RecordSegmentChanges adds the customers who entered the segment (at) and
// removes those who left, in one transaction.
func (s *Store) RecordSegmentChanges(ctx context.Context, workspaceID, segmentID string, entered, exited []string, at time.Time) error {
	if len(entered) == 0 && len(exited) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `
		WITH gone AS (
			DELETE FROM tracked_segment_members
			WHERE workspace_id = $1 AND segment_id = $2 AND customer_id = ANY($4)
		)
		INSERT INTO tracked_segment_members (workspace_id, segment_id, customer_id, entered_at)
		SELECT $1, $2, id, $5 FROM unnest($3::text[]) AS id
		ON CONFLICT DO NOTHING`, workspaceID, segmentID, entered, exited, at)
	if err != nil {
		return fmt.Errorf("store: unable to record changes of segment %s: %w", segmentID, err)
	}
	return nil
}
