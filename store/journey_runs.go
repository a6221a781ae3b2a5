package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// RunReport is what a journey run tells the store about itself since its
// last report: its entry (sent every time; stored once), the steps it
// entered and left, its conversions, and its exit. Every part is keyed by
// the run and the step or goal event, so a report sent twice (a retried
// activity, a replay) counts once.
type RunReport struct {
	WorkspaceID string    `json:"workspaceId"`
	RunKey      string    `json:"runKey"` // workflow ID + "/" + first run ID
	JourneyID   string    `json:"journeyId"`
	Version     int       `json:"version"` // the version the run entered with
	CustomerID  string    `json:"customerId"`
	WorkflowID  string    `json:"workflowId"`
	EnteredAt   time.Time `json:"enteredAt"`
	Holdout     bool      `json:"holdout,omitempty"`

	Steps       []RunStep       `json:"steps,omitempty"`
	Leaves      []RunLeave      `json:"leaves,omitempty"`
	Conversions []RunConversion `json:"conversions,omitempty"`
	Exit        *RunExit        `json:"exit,omitempty"`
}

// RunStep is a node the run entered.
type RunStep struct {
	Seq       int       `json:"seq"` // the run's steps counted from 1
	Node      string    `json:"node"`
	Kind      string    `json:"kind"`
	EnteredAt time.Time `json:"enteredAt"`
	Variant   string    `json:"variant,omitempty"` // the variant a split assigned
}

// RunLeave is the run going on from step Seq to node Next ("" when the run
// ended at the step).
type RunLeave struct {
	Seq  int    `json:"seq"`
	Next string `json:"next"`
}

// RunConversion is one goal event within the attribution window.
type RunConversion struct {
	MessageID string    `json:"messageId"` // the goal event's
	At        time.Time `json:"at"`
	Revenue   float64   `json:"revenue"`
}

// RunExit is how and when the run ended.
type RunExit struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"` // the exit node, or goal, exit_criteria, archived, cancelled
}

// counter is one increment of journey_stat_counters.
type counter struct {
	metric, node, key string
	at                time.Time
	amount            float64
}

// RecordRun stores a run's report and moves the journey's counters (the
// statistics' and the experiments'), in one transaction. A run entering
// stores whether its customer is in the workspace's global control group
// then: its experiment arm.
func (s *Store) RecordRun(ctx context.Context, r RunReport) error {
	if r.WorkspaceID == "" || r.RunKey == "" || r.JourneyID == "" || r.EnteredAt.IsZero() {
		return errors.New("store: unable to record run: workspace, run key, journey and entry time are required")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var bumps []counter
		add := func(c []counter, err error) error {
			bumps = append(bumps, c...)
			return err
		}
		if err := add(recordEntry(ctx, tx, r)); err != nil {
			return err
		}
		before, moves, err := experimentsBefore(ctx, tx, r, len(bumps) > 0)
		if err != nil {
			return err
		}
		if err := add(recordSteps(ctx, tx, r)); err != nil {
			return err
		}
		if err := add(recordConversions(ctx, tx, r)); err != nil {
			return err
		}
		if err := add(recordExit(ctx, tx, r)); err != nil {
			return err
		}
		if err := bump(ctx, tx, r, bumps); err != nil || !moves {
			return err
		}
		return moveExperiments(ctx, tx, r, before)
	})
	if err != nil {
		return fmt.Errorf("store: unable to record run %s: %w", r.RunKey, err)
	}
	return nil
}

func recordEntry(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, holdout, global_control)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, `+globalControlAtEntrySQL+`) ON CONFLICT DO NOTHING`,
		r.WorkspaceID, r.RunKey, r.JourneyID, r.Version, r.CustomerID, r.WorkflowID, r.EnteredAt, r.Holdout)
	if err != nil || tag.RowsAffected() == 0 {
		return nil, wrapIf("insert run", err)
	}
	c := []counter{{metric: "entered", at: r.EnteredAt}}
	if r.Holdout {
		c = append(c, counter{metric: "holdout", at: r.EnteredAt})
	}
	return c, nil
}

// recordSteps stores the steps the run entered and left, all of them in
// one statement each (a report at the end of a run carries every step it
// walked since its last wait): one round trip for the entries, one for the
// leaves, however many steps.
func recordSteps(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	out, err := enterSteps(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	left, err := leaveSteps(ctx, tx, r)
	return append(out, left...), err
}

func enterSteps(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	if len(r.Steps) == 0 {
		return nil, nil
	}
	var seqs []int32
	var nodes, kinds, variants []string
	var ats []time.Time
	for _, st := range r.Steps {
		seqs, nodes, kinds = append(seqs, int32(st.Seq)), append(nodes, st.Node), append(kinds, st.Kind) //nolint:gosec // G115: a run's step count is far below 2³¹
		ats, variants = append(ats, st.EnteredAt), append(variants, st.Variant)
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at, variant)
		SELECT $1, $2, s.seq, s.node, s.kind, s.at, NULLIF(s.variant, '')
		FROM unnest($3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::text[]) AS s(seq, node, kind, at, variant)
		ON CONFLICT DO NOTHING
		RETURNING seq`, r.WorkspaceID, r.RunKey, seqs, nodes, kinds, ats, variants)
	if err != nil {
		return nil, fmt.Errorf("insert steps: %w", err)
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("insert steps: %w", err)
	}
	var out []counter
	for _, st := range r.Steps {
		if !slices.Contains(inserted, int32(st.Seq)) { //nolint:gosec // G115: as above
			continue // stored before: a repeated report
		}
		out = append(out, counter{metric: "node", node: st.Node, key: st.Kind, at: st.EnteredAt})
		if st.Variant != "" {
			out = append(out, counter{metric: "variant", node: st.Node, key: st.Variant, at: st.EnteredAt})
		}
	}
	return out, nil
}

// leaveSteps marks the steps the run went on from; a step left before (a
// repeated report) keeps its first next node and counts nothing.
func leaveSteps(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	if len(r.Leaves) == 0 {
		return nil, nil
	}
	var seqs []int32
	var nexts []string
	for _, l := range r.Leaves {
		seqs, nexts = append(seqs, int32(l.Seq)), append(nexts, l.Next) //nolint:gosec // G115: as in enterSteps
	}
	rows, err := tx.Query(ctx, `
		UPDATE journey_run_steps t SET next_node = l.next
		FROM (SELECT DISTINCT ON (seq) seq, next FROM unnest($3::int[], $4::text[]) WITH ORDINALITY AS l(seq, next, i) ORDER BY seq, i) l
		WHERE t.workspace_id = $1 AND t.run_key = $2 AND t.seq = l.seq AND t.next_node IS NULL
		RETURNING t.node_id, t.entered_at, l.next`, r.WorkspaceID, r.RunKey, seqs, nexts)
	if err != nil {
		return nil, fmt.Errorf("leave steps: %w", err)
	}
	var out []counter
	var node, next string
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&node, &at, &next}, func() error {
		if next != "" {
			out = append(out, counter{metric: "edge", node: node, key: next, at: at})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("leave steps: %w", err)
	}
	return out, nil
}

func recordConversions(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	var out []counter
	for _, cv := range r.Conversions {
		tag, err := tx.Exec(ctx, `
			INSERT INTO journey_conversions (workspace_id, run_key, message_id, journey_id, customer_id, converted_at, revenue)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			r.WorkspaceID, r.RunKey, cv.MessageID, r.JourneyID, r.CustomerID, cv.At, cv.Revenue)
		if err != nil {
			return nil, fmt.Errorf("insert conversion %s: %w", cv.MessageID, err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		out = append(out, counter{metric: "conversions", at: cv.At, amount: cv.Revenue})
		first, err := firstConversion(ctx, tx, r, cv.At)
		if err != nil {
			return nil, err
		}
		if first {
			out = append(out, counter{metric: "converted", at: cv.At})
		}
		credits, err := conversionCredits(ctx, tx, r, cv)
		if err != nil {
			return nil, err
		}
		out = append(out, credits...)
	}
	return out, nil
}

// firstConversion marks the run converted and says whether it was not before.
func firstConversion(ctx context.Context, tx pgx.Tx, r RunReport, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE journey_runs SET converted_at = $3
		WHERE workspace_id = $1 AND run_key = $2 AND converted_at IS NULL`, r.WorkspaceID, r.RunKey, at)
	if err != nil {
		return false, fmt.Errorf("mark converted: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// conversionCredits credits a conversion to the split variants the run was
// assigned before it, and to the channels it was sent a message on before
// it: conversions and revenue every time, "converted" the first time the
// run converts after that variant or channel reached it.
func conversionCredits(ctx context.Context, tx pgx.Tx, r RunReport, cv RunConversion) ([]counter, error) {
	rows, err := tx.Query(ctx, `
		SELECT 'variant', node_id, variant, min(entered_at) FROM journey_run_steps
		WHERE workspace_id = $1 AND run_key = $2 AND variant IS NOT NULL AND entered_at <= $3 GROUP BY node_id, variant
		UNION ALL
		SELECT 'channel', '', channel, min(created_at) FROM messages
		WHERE workspace_id = $1 AND customer_id = $4 AND workflow_id = $5 AND journey_id = $6
		  AND created_at <= $3 AND status <> ALL($7) GROUP BY channel
		ORDER BY 1, 2, 3`,
		r.WorkspaceID, r.RunKey, cv.At, r.CustomerID, r.WorkflowID, r.JourneyID, []string{"pending", "sending", "skipped", "failed"})
	if err != nil {
		return nil, fmt.Errorf("read what reached the run: %w", err)
	}
	type reach struct {
		kind, node, key string
		since           time.Time
	}
	reached, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (reach, error) {
		var x reach
		return x, row.Scan(&x.kind, &x.node, &x.key, &x.since)
	})
	if err != nil {
		return nil, fmt.Errorf("read what reached the run: %w", err)
	}
	var out []counter
	for _, x := range reached {
		if x.kind == "variant" {
			out = append(out, counter{metric: "variant_conversions", node: x.node, key: x.key, at: cv.At, amount: cv.Revenue})
		}
		var before bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM journey_conversions
			WHERE workspace_id = $1 AND run_key = $2 AND message_id <> $3 AND converted_at >= $4 AND converted_at <= $5)`,
			r.WorkspaceID, r.RunKey, cv.MessageID, x.since, cv.At).Scan(&before); err != nil {
			return nil, fmt.Errorf("read earlier conversions: %w", err)
		}
		switch {
		case before:
		case x.kind == "variant":
			out = append(out, counter{metric: "variant_converted", node: x.node, key: x.key, at: cv.At})
		default:
			out = append(out, counter{metric: "channel_converted", key: x.key, at: cv.At})
		}
	}
	return out, nil
}

func recordExit(ctx context.Context, tx pgx.Tx, r RunReport) ([]counter, error) {
	if r.Exit == nil {
		return nil, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE journey_runs SET exited_at = $3, exit_reason = $4
		WHERE workspace_id = $1 AND run_key = $2 AND exited_at IS NULL`, r.WorkspaceID, r.RunKey, r.Exit.At, r.Exit.Reason)
	if err != nil || tag.RowsAffected() == 0 {
		return nil, wrapIf("record exit", err)
	}
	return []counter{{metric: "exited", key: r.Exit.Reason, at: r.Exit.At}}, nil
}

// bump adds the increments to the counters in a fixed order, so two
// reports of one journey never wait on each other's rows in a cycle.
func bump(ctx context.Context, tx pgx.Tx, r RunReport, cs []counter) error {
	slices.SortFunc(cs, func(a, b counter) int {
		return cmp.Or(strings.Compare(a.metric, b.metric), strings.Compare(a.node, b.node),
			strings.Compare(a.key, b.key), a.at.Compare(b.at))
	})
	b := &pgx.Batch{}
	for _, c := range cs {
		b.Queue(`SELECT journey_stat_bump($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.WorkspaceID, r.JourneyID, c.metric, c.node, c.key, r.Version, c.at, c.amount)
	}
	return wrapIf("count", tx.SendBatch(ctx, b).Close())
}

func wrapIf(step string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", step, err)
}
