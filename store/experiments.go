package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/experiment"
)

// ArmCounts are the customers (runs) in one arm of an experiment and how
// many of them converted.
type ArmCounts struct {
	Entered   int64 `json:"entered"`
	Converted int64 `json:"converted"`
}

// ExperimentCounts are what a journey's experiments compare. Messaged are
// the runs the journey could message: neither in its holdout nor in the
// workspace's global control group. Variants are those runs per split node
// and variant, a run counting as converted when a goal event came at or
// after the split assigned it; holdout and global-control customers are left
// out of them, since they were sent nothing whatever the variant.
type ExperimentCounts struct {
	Holdout       ArmCounts                       `json:"holdout"`
	GlobalControl ArmCounts                       `json:"globalControl"` // not in the holdout
	Messaged      ArmCounts                       `json:"messaged"`
	Variants      map[string]map[string]ArmCounts `json:"variants"` // split node → variant → counts
}

// globalControlSQL is true for a run whose customer is in the workspace's
// global control group of $4 buckets (experiment.InGlobalControl): the
// bucket is a generated column of journey_runs (migration 00018).
const globalControlSQL = "r.global_control_bucket < $4"

// ExperimentCounts counts a journey's runs (of one version, or all when
// version is nil) by control group, and per split variant, with the global
// control group of globalPercent (the workspace's current share).
func (s *Store) ExperimentCounts(ctx context.Context, workspaceID, journeyID string, version *int, globalPercent float64) (ExperimentCounts, error) {
	out := ExperimentCounts{Variants: map[string]map[string]ArmCounts{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// A million runs group and join in memory rather than on disk, and
		// JIT compiling these plans costs more than it saves.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'; SET LOCAL jit = off`); err != nil {
			return err
		}
		threshold := experiment.Threshold(globalPercent)
		if err := groupCounts(ctx, tx, workspaceID, journeyID, version, threshold, &out); err != nil {
			return err
		}
		return variantCounts(ctx, tx, workspaceID, journeyID, version, threshold, &out)
	})
	if err != nil {
		return out, fmt.Errorf("store: unable to count the experiments of %s: %w", journeyID, err)
	}
	return out, nil
}

// groupCounts fills the holdout, global control and messaged arms.
func groupCounts(ctx context.Context, tx pgx.Tx, workspaceID, journeyID string, version *int, threshold int, out *ExperimentCounts) error {
	rows, err := tx.Query(ctx, `
		SELECT r.holdout, `+globalControlSQL+` AS gc, count(*), count(r.converted_at)
		FROM journey_runs r
		WHERE r.workspace_id = $1 AND r.journey_id = $2 AND ($3::int IS NULL OR r.version = $3)
		GROUP BY 1, 2`, workspaceID, journeyID, version, threshold)
	if err != nil {
		return fmt.Errorf("count the control groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var holdout, gc bool
		var c ArmCounts
		if err := rows.Scan(&holdout, &gc, &c.Entered, &c.Converted); err != nil {
			return fmt.Errorf("count the control groups: %w", err)
		}
		arm := &out.Messaged
		switch {
		case holdout:
			arm = &out.Holdout
		case gc:
			arm = &out.GlobalControl
		}
		arm.Entered += c.Entered
		arm.Converted += c.Converted
	}
	return rows.Err()
}

// variantCounts fills the per-variant counts: each run once per split node
// (its first visit), converted when its last conversion came at or after
// it (so some conversion did).
func variantCounts(ctx context.Context, tx pgx.Tx, workspaceID, journeyID string, version *int, threshold int, out *ExperimentCounts) error {
	rows, err := tx.Query(ctx, `
		WITH assigned AS (
			SELECT st.run_key, st.node_id, min(st.variant) AS variant, min(st.entered_at) AS at
			FROM journey_runs r
			JOIN journey_run_steps st ON st.workspace_id = r.workspace_id AND st.run_key = r.run_key
			WHERE r.workspace_id = $1 AND r.journey_id = $2 AND ($3::int IS NULL OR r.version = $3)
			  AND NOT r.holdout AND NOT (`+globalControlSQL+`)
			  AND st.variant IS NOT NULL
			GROUP BY st.run_key, st.node_id),
		last_conversion AS (
			SELECT run_key, max(converted_at) AS at
			FROM journey_conversions
			WHERE workspace_id = $1 AND journey_id = $2
			GROUP BY run_key)
		SELECT a.node_id, a.variant, count(*), count(*) FILTER (WHERE c.at >= a.at)
		FROM assigned a LEFT JOIN last_conversion c ON c.run_key = a.run_key
		WHERE a.variant <> ''
		GROUP BY 1, 2`, workspaceID, journeyID, version, threshold)
	if err != nil {
		return fmt.Errorf("count the variants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var node, variant string
		var c ArmCounts
		if err := rows.Scan(&node, &variant, &c.Entered, &c.Converted); err != nil {
			return fmt.Errorf("count the variants: %w", err)
		}
		if out.Variants[node] == nil {
			out.Variants[node] = map[string]ArmCounts{}
		}
		out.Variants[node][variant] = c
	}
	return rows.Err()
}
