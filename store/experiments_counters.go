package store

import (
	"cmp"
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
// and moves the counters by the difference (a report that enters the run
// and can move nothing else knows the difference from its insert: the
// run's arm). A repeated report stores
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

const lockRunSQL = `SELECT 1 FROM journey_runs WHERE workspace_id = $1 AND run_key = $2 FOR UPDATE`

// runShareSQL reads what stored run $2 of workspace $1 adds to the
// experiment counters now: the run and its split variants in one
// statement (scanRunShare).
const runShareSQL = `
		SELECT r.journey_id, r.version, r.holdout, r.global_control, r.converted_at IS NOT NULL, v.nodes, v.variants, v.converted
		FROM journey_runs r, LATERAL (
			SELECT coalesce(array_agg(node_id), '{}') AS nodes, coalesce(array_agg(variant), '{}') AS variants,
				coalesce(array_agg(converted), '{}') AS converted
			FROM (SELECT node_id, min(variant) AS variant, COALESCE(min(entered_at) <= (SELECT max(converted_at)
					FROM journey_conversions WHERE workspace_id = $1 AND run_key = $2), false) AS converted
				FROM journey_run_steps WHERE workspace_id = $1 AND run_key = $2 AND variant IS NOT NULL
				GROUP BY node_id) x) v
		WHERE r.workspace_id = $1 AND r.run_key = $2`

// scanRunShare scans runShareSQL's row: a run not stored adds nothing.
func scanRunShare(row pgx.Row) (runShare, error) {
	var s runShare
	var holdout, gc bool
	var nodes, variants []string
	var convs []bool
	err := row.Scan(&s.journey, &s.version, &holdout, &gc, &s.converted, &nodes, &variants, &convs)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read run and its split variants: %w", err)
	}
	s.stored, s.arm = true, armOf(holdout, gc)
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

// armOf is the experiment arm of a run in the journey's holdout or not,
// in the workspace's global control group or not.
func armOf(holdout, globalControl bool) string {
	switch {
	case holdout:
		return armHoldout
	case globalControl:
		return armGlobalControl
	}
	return armMessaged
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

// queueExperimentMoves adds the deltas to the run's journey version's counters.
func queueExperimentMoves(b *pgx.Batch, workspaceID string, s runShare, ds []experimentDelta) {
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
}
