package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/experiment"
)

// The experiment counters (migration 00020) hold, per journey version, what
// every run adds to ExperimentCounts. RecordRun keeps them: it reads what a
// run adds before and after storing its report, in the same transaction,
// and moves the counters by the difference. A repeated report stores
// nothing new, so it moves nothing; and a step or conversion reported out
// of order moves the run exactly as recounting it from scratch would.

// Arms of journey_experiment_arms.
const (
	armHoldout       = "holdout"
	armGlobalControl = "global_control"
	armMessaged      = "messaged"
)

// runShare is what one run adds to its journey's experiment counters.
type runShare struct {
	stored       bool
	journey, arm string
	version      int
	converted    bool
	variants     map[[2]string]bool // split node and variant → converted after the split
}

// globalControlAtEntrySQL is true when customer $5 of workspace $1 is in the
// workspace's global control group now, as Send would judge it
// (experiment.InGlobalControl): the run stores it at entry.
var globalControlAtEntrySQL = `COALESCE((SELECT ` +
	experiment.BucketSQL(`'`+experiment.SaltGlobalControl+`:' || $1::text || ':' || $5::text`) +
	` < round(percent * 100) FROM global_control WHERE workspace_id = $1), false)`

// experimentsBefore says whether report r can move the experiment counters
// (the run enters, is assigned a variant or converts) and, when it can,
// locks the run and reads what it added to them before this report:
// nothing when it has just entered.
func experimentsBefore(ctx context.Context, tx pgx.Tx, r RunReport, entered bool) (runShare, bool, error) {
	moves := entered || len(r.Conversions) > 0 ||
		slices.ContainsFunc(r.Steps, func(st RunStep) bool { return st.Variant != "" })
	if !moves {
		return runShare{}, false, nil
	}
	if entered {
		// This transaction inserted the run: a concurrent report of it
		// waits on that insert, so there is nothing to lock or read before.
		return runShare{}, true, nil
	}
	if err := lockRun(ctx, tx, r.WorkspaceID, r.RunKey); err != nil {
		return runShare{}, true, err
	}
	before, err := readRunShare(ctx, tx, r.WorkspaceID, r.RunKey)
	return before, true, err
}

// moveExperiments moves the experiment counters by what the run adds now
// less what it added before.
func moveExperiments(ctx context.Context, tx pgx.Tx, r RunReport, before runShare) error {
	after, err := readRunShare(ctx, tx, r.WorkspaceID, r.RunKey)
	if err != nil {
		return err
	}
	return moveExperimentCounters(ctx, tx, r.WorkspaceID, after, shareDeltas(before, after))
}

// lockRun keeps a concurrent report of the same run (a local activity
// retried while its first attempt still runs) from reading the run between
// this report's writes: the second waits, then reads what the first wrote.
func lockRun(ctx context.Context, tx pgx.Tx, workspaceID, runKey string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM journey_runs WHERE workspace_id = $1 AND run_key = $2 FOR UPDATE`, workspaceID, runKey)
	return wrapIf("lock run", err)
}

// readRunShare reads what a stored run adds to the experiment counters now:
// the run and its split variants in one statement (one round trip on
// every report that can move an experiment).
func readRunShare(ctx context.Context, tx pgx.Tx, workspaceID, runKey string) (runShare, error) {
	var s runShare
	var holdout, gc bool
	var nodes, variants []string
	var convs []bool
	err := tx.QueryRow(ctx, `
		SELECT r.journey_id, r.version, r.holdout, r.global_control, r.converted_at IS NOT NULL, v.nodes, v.variants, v.converted
		FROM journey_runs r, LATERAL (
			SELECT coalesce(array_agg(node_id), '{}') AS nodes, coalesce(array_agg(variant), '{}') AS variants,
				coalesce(array_agg(converted), '{}') AS converted
			FROM (SELECT node_id, min(variant) AS variant, COALESCE(min(entered_at) <= (SELECT max(converted_at)
					FROM journey_conversions WHERE workspace_id = $1 AND run_key = $2), false) AS converted
				FROM journey_run_steps WHERE workspace_id = $1 AND run_key = $2 AND variant IS NOT NULL
				GROUP BY node_id) x) v
		WHERE r.workspace_id = $1 AND r.run_key = $2`, workspaceID, runKey).
		Scan(&s.journey, &s.version, &holdout, &gc, &s.converted, &nodes, &variants, &convs)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read run and its split variants: %w", err)
	}
	s.stored = true
	switch {
	case holdout:
		s.arm = armHoldout
	case gc:
		s.arm = armGlobalControl
	default:
		s.arm = armMessaged
	}
	if s.arm != armMessaged {
		return s, nil // the variants count the messaged runs only
	}
	s.variants = map[[2]string]bool{}
	for i, node := range nodes {
		if variants[i] != "" {
			s.variants[[2]string{node, variants[i]}] = convs[i]
		}
	}
	return s, nil
}

// experimentDelta is a change of one experiment counter.
type experimentDelta struct {
	node, key          string // node "" for an arm (key), else a split node and its variant
	entered, converted int64
}

// shareDeltas is what moving a run from before to after changes.
func shareDeltas(before, after runShare) []experimentDelta {
	sum := map[[2]string]*experimentDelta{}
	add := func(node, key string, sign int64, converted bool) {
		d := sum[[2]string{node, key}]
		if d == nil {
			d = &experimentDelta{node: node, key: key}
			sum[[2]string{node, key}] = d
		}
		d.entered += sign
		if converted {
			d.converted += sign
		}
	}
	for sign, s := range map[int64]runShare{-1: before, 1: after} {
		if !s.stored {
			continue
		}
		add("", s.arm, sign, s.converted)
		for nv, converted := range s.variants {
			add(nv[0], nv[1], sign, converted)
		}
	}
	var out []experimentDelta
	for _, d := range sum {
		if d.entered != 0 || d.converted != 0 {
			out = append(out, *d)
		}
	}
	// A fixed order (arms, then variants), so two reports of one journey
	// never wait on each other's counters in a cycle.
	slices.SortFunc(out, func(a, b experimentDelta) int {
		return cmp.Or(strings.Compare(a.node, b.node), strings.Compare(a.key, b.key))
	})
	return out
}

// moveExperimentCounters adds the deltas to the run's journey version's counters.
func moveExperimentCounters(ctx context.Context, tx pgx.Tx, workspaceID string, s runShare, ds []experimentDelta) error {
	if len(ds) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, d := range ds {
		if d.node == "" {
			b.Queue(`INSERT INTO journey_experiment_arms AS t (workspace_id, journey_id, version, arm, entered, converted)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, journey_id, version, arm)
				DO UPDATE SET entered = t.entered + EXCLUDED.entered, converted = t.converted + EXCLUDED.converted`,
				workspaceID, s.journey, s.version, d.key, d.entered, d.converted)
			continue
		}
		b.Queue(`INSERT INTO journey_experiment_variants AS t (workspace_id, journey_id, version, node_id, variant, entered, converted)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workspace_id, journey_id, version, node_id, variant)
			DO UPDATE SET entered = t.entered + EXCLUDED.entered, converted = t.converted + EXCLUDED.converted`,
			workspaceID, s.journey, s.version, d.node, d.key, d.entered, d.converted)
	}
	return wrapIf("count experiments", tx.SendBatch(ctx, b).Close())
}
