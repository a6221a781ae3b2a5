package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/segments"
)

// DefaultSegmentPage is how many members SegmentMembers returns when the
// limit is 0.
const DefaultSegmentPage = 100

// segmentWorkMem lets the hashed subqueries of a compiled segment (one
// entry per customer concerned) stay in memory, where the default 4 MB
// would make Postgres look up every profile on its own.
const segmentWorkMem = "256MB"

// CountSegment counts the segment's members now. It returns ErrNotFound.
func (s *Store) CountSegment(ctx context.Context, workspaceID, id string) (int64, error) {
	return s.CountSegmentAt(ctx, workspaceID, id, time.Now())
}

// CountSegmentAt counts the segment's members as of now.
func (s *Store) CountSegmentAt(ctx context.Context, workspaceID, id string, now time.Time) (int64, error) {
	var n int64
	err := s.inSegment(ctx, workspaceID, id, now, nil, func(tx pgx.Tx, q segments.Query) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM profiles p WHERE p.workspace_id = $1 AND (`+q.Where+`)`, q.Args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: unable to count segment %q: %w", id, err)
	}
	return n, nil
}

// SegmentMembers returns up to limit (DefaultSegmentPage when 0) member
// profile ids in id order, after the id after ("" from the start): a page
// to hand the last id of to the next call.
func (s *Store) SegmentMembers(ctx context.Context, workspaceID, id, after string, limit int) ([]string, error) {
	return s.SegmentMembersAt(ctx, workspaceID, id, after, limit, time.Now())
}

// SegmentMembersAt is SegmentMembers as of now.
func (s *Store) SegmentMembersAt(ctx context.Context, workspaceID, id, after string, limit int, now time.Time) ([]string, error) {
	if limit <= 0 {
		limit = DefaultSegmentPage
	}
	var out []string
	err := s.inSegment(ctx, workspaceID, id, now, nil, func(tx pgx.Tx, q segments.Query) error {
		n := q.Next()
		rows, err := tx.Query(ctx, `SELECT p.id FROM profiles p WHERE p.workspace_id = $1 AND p.id > $`+strconv.Itoa(n)+
			` AND (`+q.Where+`) ORDER BY p.id LIMIT $`+strconv.Itoa(n+1), append(q.Args, after, limit)...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list members of segment %q: %w", id, err)
	}
	return out, nil
}

// SegmentContains tells, for each of profileIDs (canonical ids), whether
// it is in the segment now. Ids without a profile are false.
func (s *Store) SegmentContains(ctx context.Context, workspaceID, id string, profileIDs []string) (map[string]bool, error) {
	return s.SegmentContainsAt(ctx, workspaceID, id, profileIDs, time.Now())
}

// SegmentContainsAt is SegmentContains as of now.
func (s *Store) SegmentContainsAt(ctx context.Context, workspaceID, id string, profileIDs []string, now time.Time) (map[string]bool, error) {
	out := make(map[string]bool, len(profileIDs))
	for _, p := range profileIDs {
		out[p] = false
	}
	if len(profileIDs) == 0 {
		return out, nil
	}
	err := s.inSegment(ctx, workspaceID, id, now, profileIDs, func(tx pgx.Tx, q segments.Query) error {
		return containing(ctx, tx, q, out)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to check members of segment %q: %w", id, err)
	}
	return out, nil
}

// containing sets out[id] for the profiles among Options.Only (the
// query's parameter $2) that q holds for.
func containing(ctx context.Context, tx pgx.Tx, q segments.Query, out map[string]bool) error {
	rows, err := tx.Query(ctx, `SELECT p.id FROM profiles p
		WHERE p.workspace_id = $1 AND p.id = ANY($2::text[]) AND (`+q.Where+`)`, q.Args...)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, id := range ids {
		out[id] = true
	}
	return err
}

// ProfileSegments lists the ids of the segments the profile (its
// canonical id) is in now, in id order.
func (s *Store) ProfileSegments(ctx context.Context, workspaceID, profileID string) ([]string, error) {
	all, err := s.ListSegments(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	resolve := resolverOf(all)
	tz, err := s.WorkspaceTimezone(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the segments of profile %q: %w", profileID, err)
	}
	now := time.Now()
	in := []string{}
	err = s.readSegments(ctx, func(tx pgx.Tx) error {
		for _, g := range all {
			d, _ := resolve(g.ID)
			q, err := segments.Compile(d, segments.Options{Workspace: workspaceID, Timezone: tz, Now: now, Segments: resolve, Only: []string{profileID}})
			if err != nil {
				err = chainFrom(g.ID, err)
				return fmt.Errorf("segment %q: %w", g.ID, err)
			}
			found := map[string]bool{}
			if err := containing(ctx, tx, q, found); err != nil {
				return fmt.Errorf("segment %q: %w", g.ID, err)
			}
			if found[profileID] {
				in = append(in, g.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the segments of profile %q: %w", profileID, err)
	}
	return in, nil
}

// inSegment compiles segment id as of now (for the profiles only, when
// not nil) and runs f with it in a read-only transaction.
func (s *Store) inSegment(ctx context.Context, workspaceID, id string, now time.Time, only []string, f func(pgx.Tx, segments.Query) error) error {
	g, err := s.GetSegment(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	d, err := segments.Parse(g.Definition)
	if err != nil {
		return err
	}
	resolve, err := s.SegmentResolver(ctx, workspaceID)
	if err != nil {
		return err
	}
	tz, err := s.WorkspaceTimezone(ctx, workspaceID)
	if err != nil {
		return err
	}
	q, err := segments.Compile(d, segments.Options{Workspace: workspaceID, Timezone: tz, Now: now, Segments: resolve, Only: only})
	if err != nil {
		return chainFrom(id, err)
	}
	return s.readSegments(ctx, func(tx pgx.Tx) error { return f(tx, q) })
}

// chainFrom puts segment id at the head of the reference chain of a
// segments.TooLargeError, which starts at the first reference.
func chainFrom(id string, err error) error {
	var tooLarge *segments.TooLargeError
	if errors.As(err, &tooLarge) {
		return &segments.TooLargeError{Chain: append([]string{id}, tooLarge.Chain...)}
	}
	return err
}

func (s *Store) readSegments(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// JIT compiling a segment's expressions took longer (1.5 s on a
		// million customers) than running them.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '`+segmentWorkMem+`'; SET LOCAL jit = off`); err != nil {
			return err
		}
		if err := s.segmentTimeout(ctx, tx); err != nil {
			return err
		}
		return f(tx)
	})
}
