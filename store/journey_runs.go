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
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/experiment"
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
// statistics' and the experiments'), in one transaction: one statement for
// a report that converts nothing and passes no split (recordPlainRun), else
// three round trips or four: the begin with the report's writes
// (writeReport), the counters (countReport), the commit. A run entering
// stores whether its customer is in the workspace's global control group
// then: its experiment arm.
func (s *Store) RecordRun(ctx context.Context, r RunReport) error {
	if r.WorkspaceID == "" || r.RunKey == "" || r.JourneyID == "" || r.EnteredAt.IsZero() {
		return errors.New("store: unable to record run: workspace, run key, journey and entry time are required")
	}
	if err := s.recordRun(ctx, r); err != nil {
		return fmt.Errorf("store: unable to record run %s: %w", r.RunKey, err)
	}
	return nil
}

func (s *Store) recordRun(ctx context.Context, r RunReport) (err error) {
	if plainReport(r) {
		return recordPlainRun(ctx, s.pool, r)
	}
	return recordBatchedRun(ctx, s.pool, r)
}

// recordBatchedRun stores any report in three or four round trips.
func recordBatchedRun(ctx context.Context, db *pgxpool.Pool, r RunReport) (err error) {
	tx, w, err := writeReport(ctx, db, r)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(ctx) // the error says what failed; a failed rollback closes the connection
		}
	}()
	conversions, err := recordConversions(ctx, tx, r)
	if err != nil {
		return err
	}
	w.counters = append(w.counters, conversions...)
	if err := countReport(ctx, tx, r, w); err != nil {
		return err
	}
	return wrapIf("commit", tx.Commit(ctx))
}

// plainReport reports whether r can move the experiment counters only by
// entering the run (no conversion, no split's variant): its report is one
// statement (recordPlainRun).
func plainReport(r RunReport) bool {
	return len(r.Conversions) == 0 && !slices.ContainsFunc(r.Steps, func(st RunStep) bool { return st.Variant != "" })
}

// recordPlainRun stores a plain report in one statement, one round trip:
// migration 00052's journey_run_report runs the statements writeReport
// and countReport send, in their order, with the same locks (a statement
// is its own transaction).
func recordPlainRun(ctx context.Context, db *pgxpool.Pool, r RunReport) error {
	var seqs, leaveSeqs []int32
	var nodes, kinds, nexts []string
	var ats []time.Time
	for _, st := range r.Steps {
		seqs, nodes, kinds, ats = append(seqs, int32(st.Seq)), append(nodes, st.Node), append(kinds, st.Kind), append(ats, st.EnteredAt) //nolint:gosec // G115: a run's step count is far below 2³¹
	}
	for _, l := range r.Leaves {
		leaveSeqs, nexts = append(leaveSeqs, int32(l.Seq)), append(nexts, l.Next) //nolint:gosec // G115: as above
	}
	var exitAt *time.Time
	var exitReason string
	if r.Exit != nil {
		exitAt, exitReason = &r.Exit.At, r.Exit.Reason
	}
	_, err := db.Exec(ctx, `SELECT journey_run_report($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		r.WorkspaceID, r.RunKey, r.JourneyID, r.Version, r.CustomerID, r.WorkflowID, r.EnteredAt, r.Holdout,
		experiment.Bucket(experiment.SaltGlobalControl, r.WorkspaceID, r.CustomerID),
		seqs, nodes, kinds, ats, leaveSeqs, nexts, exitAt, exitReason)
	return wrapIf("store the report", err)
}

// written is what writeReport stored and read.
type written struct {
	entered  bool      // the report stored the run's entry
	arm      string    // the entered run's experiment arm
	counters []counter // what the writes add to the statistics
	// others: the report can move the experiment counters otherwise than
	// by entering (a conversion, a split's variant), and before is what
	// the run added to them before it (read only then).
	others bool
	before runShare
}

// writeReport begins the transaction and stores the report's entry,
// steps, leaves and exit in the same round trip (a batch: each statement
// sees the ones before it). A report that can move the experiment
// counters otherwise than by entering locks the run and reads what it
// added to them before its steps.
func writeReport(ctx context.Context, db *pgxpool.Pool, r RunReport) (pgx.Tx, written, error) {
	w := written{others: len(r.Conversions) > 0 || slices.ContainsFunc(r.Steps, func(st RunStep) bool { return st.Variant != "" })}
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	queueEntry(b, r, &w)
	if w.others {
		// lockRunSQL keeps a concurrent report of the same run (a local
		// activity retried while its first attempt still runs) from reading
		// the run between this report's writes: the second waits, then
		// reads what the first wrote.
		b.Queue(lockRunSQL, r.WorkspaceID, r.RunKey)
		b.Queue(runShareSQL, r.WorkspaceID, r.RunKey).QueryRow(func(row pgx.Row) (err error) {
			w.before, err = scanRunShare(row)
			return err
		})
	}
	queueSteps(b, r, &w)
	queueLeaves(b, r, &w)
	queueExit(b, r, &w)
	br := db.SendBatch(ctx, b)
	tx := br.Tx()
	if err := br.Close(); err != nil {
		if tx != nil {
			_ = tx.Rollback(ctx) // as above
		}
		return nil, w, fmt.Errorf("store the report: %w", err)
	}
	if w.entered {
		w.before = runShare{} // this transaction inserted the run: it added nothing before
	}
	return tx, w, nil
}

func queueEntry(b *pgx.Batch, r RunReport, w *written) {
	b.Queue(`
		INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, holdout, global_control)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, `+globalControlAtEntrySQL+`) ON CONFLICT DO NOTHING
		RETURNING global_control`,
		r.WorkspaceID, r.RunKey, r.JourneyID, r.Version, r.CustomerID, r.WorkflowID, r.EnteredAt, r.Holdout).
		Query(func(rows pgx.Rows) error {
			gc, err := pgx.CollectRows(rows, pgx.RowTo[bool])
			if err != nil || len(gc) == 0 {
				return wrapIf("insert run", err)
			}
			w.entered, w.arm = true, armOf(r.Holdout, gc[0])
			w.counters = append(w.counters, counter{metric: "entered", at: r.EnteredAt})
			if r.Holdout {
				w.counters = append(w.counters, counter{metric: "holdout", at: r.EnteredAt})
			}
			return nil
		})
}

// countReport adds the report's increments to the statistics' counters
// and moves the experiment counters, in one round trip where it can: a
// report that only enters the run knows what the run adds to them (its
// arm); one that can move them otherwise reads what the run adds after it
// with the counters and moves them in a second.
func countReport(ctx context.Context, tx pgx.Tx, r RunReport, w written) error {
	b := &pgx.Batch{}
	queueBumps(b, r, w.counters)
	var after runShare
	switch {
	case w.others:
		b.Queue(runShareSQL, r.WorkspaceID, r.RunKey).QueryRow(func(row pgx.Row) (err error) {
			after, err = scanRunShare(row)
			return err
		})
	case w.entered:
		after = runShare{stored: true, journey: r.JourneyID, version: r.Version, arm: w.arm}
		queueExperimentMoves(b, r.WorkspaceID, after, shareDeltas(runShare{}, after))
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("count: %w", err)
	}
	if !w.others {
		return nil
	}
	b = &pgx.Batch{}
	queueExperimentMoves(b, r.WorkspaceID, after, shareDeltas(w.before, after))
	return wrapIf("count experiments", tx.SendBatch(ctx, b).Close())
}

// queueSteps stores the steps the run entered, all of them in one
// statement (a report at the end of a run carries every step it walked
// since its last wait), and queueLeaves marks those it left in another.
func queueSteps(b *pgx.Batch, r RunReport, w *written) {
	if len(r.Steps) == 0 {
		return
	}
	var seqs []int32
	var nodes, kinds, variants []string
	var ats []time.Time
	for _, st := range r.Steps {
		seqs, nodes, kinds = append(seqs, int32(st.Seq)), append(nodes, st.Node), append(kinds, st.Kind) //nolint:gosec // G115: a run's step count is far below 2³¹
		ats, variants = append(ats, st.EnteredAt), append(variants, st.Variant)
	}
	b.Queue(`
		INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at, variant)
		SELECT $1, $2, s.seq, s.node, s.kind, s.at, NULLIF(s.variant, '')
		FROM unnest($3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::text[]) AS s(seq, node, kind, at, variant)
		ON CONFLICT DO NOTHING
		RETURNING seq`, r.WorkspaceID, r.RunKey, seqs, nodes, kinds, ats, variants).
		Query(func(rows pgx.Rows) error {
			inserted, err := pgx.CollectRows(rows, pgx.RowTo[int32])
			if err != nil {
				return fmt.Errorf("insert steps: %w", err)
			}
			for _, st := range r.Steps {
				if !slices.Contains(inserted, int32(st.Seq)) { //nolint:gosec // G115: as above
					continue // stored before: a repeated report
				}
				w.counters = append(w.counters, counter{metric: "node", node: st.Node, key: st.Kind, at: st.EnteredAt})
				if st.Variant != "" {
					w.counters = append(w.counters, counter{metric: "variant", node: st.Node, key: st.Variant, at: st.EnteredAt})
				}
			}
			return nil
		})
}

// queueLeaves marks the steps the run went on from; a step left before (a
// repeated report) keeps its first next node and counts nothing.
func queueLeaves(b *pgx.Batch, r RunReport, w *written) {
	if len(r.Leaves) == 0 {
		return
	}
	var seqs []int32
	var nexts []string
	for _, l := range r.Leaves {
		seqs, nexts = append(seqs, int32(l.Seq)), append(nexts, l.Next) //nolint:gosec // G115: as in queueSteps
	}
	b.Queue(`
		UPDATE journey_run_steps t SET next_node = l.next
		FROM (SELECT DISTINCT ON (seq) seq, next FROM unnest($3::int[], $4::text[]) WITH ORDINALITY AS l(seq, next, i) ORDER BY seq, i) l
		WHERE t.workspace_id = $1 AND t.run_key = $2 AND t.seq = l.seq AND t.next_node IS NULL
		RETURNING t.node_id, t.entered_at, l.next`, r.WorkspaceID, r.RunKey, seqs, nexts).
		Query(func(rows pgx.Rows) error {
			var node, next string
			var at time.Time
			_, err := pgx.ForEachRow(rows, []any{&node, &at, &next}, func() error {
				if next != "" {
					w.counters = append(w.counters, counter{metric: "edge", node: node, key: next, at: at})
				}
				return nil
			})
			return wrapIf("leave steps", err)
		})
}

func queueExit(b *pgx.Batch, r RunReport, w *written) {
	if r.Exit == nil {
		return
	}
	b.Queue(`UPDATE journey_runs SET exited_at = $3, exit_reason = $4
		WHERE workspace_id = $1 AND run_key = $2 AND exited_at IS NULL`, r.WorkspaceID, r.RunKey, r.Exit.At, r.Exit.Reason).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() > 0 {
				w.counters = append(w.counters, counter{metric: "exited", key: r.Exit.Reason, at: r.Exit.At})
			}
			return nil
		})
}

// queueBumps adds the increments to the counters in a fixed order, so two
// reports of one journey never wait on each other's rows in a cycle.
func queueBumps(b *pgx.Batch, r RunReport, cs []counter) {
	slices.SortFunc(cs, func(a, b counter) int {
		return cmp.Or(strings.Compare(a.metric, b.metric), strings.Compare(a.node, b.node),
			strings.Compare(a.key, b.key), a.at.Compare(b.at))
	})
	for _, c := range cs {
		b.Queue(`SELECT journey_stat_bump($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.WorkspaceID, r.JourneyID, c.metric, c.node, c.key, r.Version, c.at, c.amount)
	}
}

func wrapIf(step string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", step, err)
}
