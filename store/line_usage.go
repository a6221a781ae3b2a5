package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/segments"
)

// CountSegmentLINEUsers counts the segment's members with a LINE user ID:
// the most a LINE broadcast to it sends. It returns ErrNotFound.
func (s *Store) CountSegmentLINEUsers(ctx context.Context, workspaceID, id string) (int64, error) {
	var n int64
	err := s.inSegment(ctx, workspaceID, id, time.Now(), nil, func(tx pgx.Tx, q segments.Query) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM profiles p WHERE p.workspace_id = $1 AND p.line_user_id <> '' AND (`+
			q.Where+`)`, q.Args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: unable to count the LINE users of segment %q: %w", id, err)
	}
	return n, nil
}

// CountJourneyLINEMessages counts the journey's LINE messages since since
// that went, or may have gone, to LINE (all but the skipped and failed).
func (s *Store) CountJourneyLINEMessages(ctx context.Context, workspaceID, journeyID string, since time.Time) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM messages WHERE workspace_id = $1 AND channel = 'line'
		AND created_at >= $3 AND journey_id = $2 AND status NOT IN ('skipped', 'failed')`, workspaceID, journeyID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to count the LINE messages of journey %q: %w", journeyID, err)
	}
	return n, nil
}
