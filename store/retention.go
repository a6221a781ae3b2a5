package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// monthlyPartition is the name tabiji_event_partitions gives the partition
// of events received in a month (migration 00002).
var monthlyPartition = regexp.MustCompile(`^events_(\d{4})_(\d{2})$`)

// EventPartition is one monthly partition of events: the rows received
// from From (inclusive) to To (exclusive).
type EventPartition struct {
	Name     string
	From, To time.Time
}

// EventPartitions lists the monthly partitions of events, oldest first
// (not the default partition, which holds rows of months without one).
func (s *Store) EventPartitions(ctx context.Context) ([]EventPartition, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list event partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list event partitions: %w", err)
	}
	var out []EventPartition
	for _, n := range names {
		if m := monthlyPartition.FindStringSubmatch(n); m != nil {
			from, err := time.Parse("2006-01", m[1]+"-"+m[2])
			if err != nil {
				continue // not a month: not ours
			}
			out = append(out, EventPartition{Name: n, From: from, To: from.AddDate(0, 1, 0)})
		}
	}
	return out, nil
}

// workspacesInSQL lists the workspaces with rows in partition %s, one
// index probe each (a skip scan of its workspace_id index), not a scan.
const workspacesInSQL = `WITH RECURSIVE ws AS (
		(SELECT workspace_id FROM %[1]s ORDER BY workspace_id LIMIT 1)
		UNION ALL
		SELECT (SELECT workspace_id FROM %[1]s WHERE workspace_id > ws.workspace_id ORDER BY workspace_id LIMIT 1)
		FROM ws WHERE ws.workspace_id IS NOT NULL)
	SELECT workspace_id FROM ws WHERE workspace_id IS NOT NULL`

// DropEventPartition drops partition p when every workspace with rows in
// it is in expired (their retention has passed p.To): first the rows'
// dedupe entries in event_ids, then, under locks that hold off writers,
// the partition itself, after looking again. It says whether it dropped
// it; a partition that a workspace still keeps rows of is left alone.
func (s *Store) DropEventPartition(ctx context.Context, p EventPartition, expired []string) (bool, error) {
	if !monthlyPartition.MatchString(p.Name) {
		return false, fmt.Errorf("store: unable to drop %q: not a monthly event partition", p.Name)
	}
	table := pgx.Identifier{p.Name}.Sanitize()
	ok, err := onlyWorkspaces(ctx, s.pool, table, expired)
	if err != nil || !ok {
		return false, err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM event_ids i USING `+table+` e
		WHERE i.workspace_id = e.workspace_id AND i.message_id = e.message_id`); err != nil {
		return false, fmt.Errorf("store: unable to drop %s: delete its event ids: %w", p.Name, err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Parent first, as an insert takes them: a short wait, never a deadlock.
		for _, sql := range []string{`SET LOCAL lock_timeout = '10s'`, `LOCK TABLE ONLY events IN ACCESS EXCLUSIVE MODE`,
			`LOCK TABLE ` + table + ` IN ACCESS EXCLUSIVE MODE`} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if ok, err = onlyWorkspaces(ctx, tx, table, expired); err != nil || !ok {
			return err
		}
		_, err := tx.Exec(ctx, `DROP TABLE `+table)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: unable to drop %s: %w", p.Name, err)
	}
	return ok, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// onlyWorkspaces says whether every row of table belongs to one of workspaces.
func onlyWorkspaces(ctx context.Context, q querier, table string, workspaces []string) (bool, error) {
	rows, err := q.Query(ctx, fmt.Sprintf(workspacesInSQL, table))
	if err != nil {
		return false, fmt.Errorf("store: unable to list the workspaces of %s: %w", table, err)
	}
	present, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, fmt.Errorf("store: unable to list the workspaces of %s: %w", table, err)
	}
	for _, ws := range present {
		if !slices.Contains(workspaces, ws) {
			return false, nil
		}
	}
	return true, nil
}

// PruneEvents deletes up to limit events of the workspace received before
// cutoff, with their dedupe entries, and says how many it deleted.
func (s *Store) PruneEvents(ctx context.Context, workspaceID string, cutoff time.Time, limit int) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `
		WITH old AS (
			SELECT message_id, received_at FROM events WHERE workspace_id = $1 AND received_at < $2 LIMIT $3
		), gone AS (
			DELETE FROM events e USING old
			WHERE e.workspace_id = $1 AND e.message_id = old.message_id AND e.received_at = old.received_at
			RETURNING e.message_id
		), ids AS (
			DELETE FROM event_ids i USING gone WHERE i.workspace_id = $1 AND i.message_id = gone.message_id
		) SELECT count(*) FROM gone`, workspaceID, cutoff, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to prune the events of %q: %w", workspaceID, err)
	}
	return n, nil
}

// PruneMessages deletes up to limit messages of the workspace created
// before cutoff, with their status history and statistics flags (the
// statistics' counters keep counting them), and says how many it deleted.
func (s *Store) PruneMessages(ctx context.Context, workspaceID string, cutoff time.Time, limit int) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `
		WITH old AS (
			SELECT id FROM messages WHERE workspace_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3
		), history AS (
			DELETE FROM message_events e USING old WHERE e.workspace_id = $1 AND e.message_id = old.id
		), flags AS (
			DELETE FROM message_stat_flags f USING old WHERE f.workspace_id = $1 AND f.message_id = old.id
		), gone AS (
			DELETE FROM messages m USING old WHERE m.id = old.id RETURNING 1
		) SELECT count(*) FROM gone`, workspaceID, cutoff, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to prune the messages of %q: %w", workspaceID, err)
	}
	return n, nil
}

// PruneProvisionRecords deletes up to limit records of third-party
// provision, of every workspace, older than the workspace keeps them (its
// setting, else DefaultProvisionRetentionMonths) at now, and says how many.
func (s *Store) PruneProvisionRecords(ctx context.Context, now time.Time, limit int) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM provision_records WHERE id IN (
		SELECT r.id FROM provision_records r LEFT JOIN privacy_settings p ON p.workspace_id = r.workspace_id
		WHERE r.provided_at < $1::timestamptz - make_interval(months => COALESCE(p.provision_retention_months, $3))
		LIMIT $2)`, now, limit, DefaultProvisionRetentionMonths)
	if err != nil {
		return 0, fmt.Errorf("store: unable to prune provision records: %w", err)
	}
	return tag.RowsAffected(), nil
}
