package store

import (
	"context"
	"fmt"
)

// ArmCounts are the customers (runs) in one arm of an experiment and how
// many of them converted.
type ArmCounts struct {
	Entered   int64 `json:"entered"`
	Converted int64 `json:"converted"`
}

// ExperimentCounts are what a journey's experiments compare. Messaged are
// the runs the journey could message: neither in its holdout nor in the
// workspace's global control group when they entered. Variants are those
// runs per split node and variant, each run once per node (its first
// visit), counting as converted when a goal event came at or after the
// split assigned it; holdout and global-control customers are left out of
// them, since they were sent nothing whatever the variant.
type ExperimentCounts struct {
	Holdout       ArmCounts                       `json:"holdout"`
	GlobalControl ArmCounts                       `json:"globalControl"` // not in the holdout
	Messaged      ArmCounts                       `json:"messaged"`
	Variants      map[string]map[string]ArmCounts `json:"variants"` // split node → variant → counts
}

// ExperimentCounts counts a journey's runs (of one version, or all when
// version is nil) by control arm, and per split variant. It reads the
// experiment counters RecordRun keeps (migration 00020): a few rows per
// journey version, whatever the number of runs. A run is in the global
// control group when its customer was when it entered (the share then),
// and stays counted after its customer is erased, like the statistics.
func (s *Store) ExperimentCounts(ctx context.Context, workspaceID, journeyID string, version *int) (ExperimentCounts, error) {
	out := ExperimentCounts{Variants: map[string]map[string]ArmCounts{}}
	rows, err := s.pool.Query(ctx, `
		SELECT '', arm, sum(entered)::bigint, sum(converted)::bigint FROM journey_experiment_arms
		WHERE workspace_id = $1 AND journey_id = $2 AND ($3::int IS NULL OR version = $3)
		GROUP BY arm
		UNION ALL
		SELECT node_id, variant, sum(entered)::bigint, sum(converted)::bigint FROM journey_experiment_variants
		WHERE workspace_id = $1 AND journey_id = $2 AND ($3::int IS NULL OR version = $3)
		GROUP BY node_id, variant HAVING sum(entered) <> 0`, workspaceID, journeyID, version)
	if err != nil {
		return out, fmt.Errorf("store: unable to count the experiments of %s: %w", journeyID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var node, key string
		var c ArmCounts
		if err := rows.Scan(&node, &key, &c.Entered, &c.Converted); err != nil {
			return out, fmt.Errorf("store: unable to count the experiments of %s: %w", journeyID, err)
		}
		switch {
		case node != "":
			if out.Variants[node] == nil {
				out.Variants[node] = map[string]ArmCounts{}
			}
			out.Variants[node][key] = c
		case key == armHoldout:
			out.Holdout = c
		case key == armGlobalControl:
			out.GlobalControl = c
		default:
			out.Messaged = c
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: unable to count the experiments of %s: %w", journeyID, err)
	}
	return out, nil
}
