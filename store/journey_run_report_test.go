package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestPlainReportsCountAsTheBatchesDo records the same plain reports (no
// conversion, no split) of one run after another through RecordRun, whose
// plain reports are one statement (migration 00052's journey_run_report),
// and through the batches that any report can go through, in two
// workspaces: the runs, their steps, the statistics' counters and the
// experiment arms come out the same, repeated reports included.
func TestPlainReportsCountAsTheBatchesDo(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	_, err := b.db.Exec(ctx, `INSERT INTO global_control (workspace_id, percent) VALUES ($1, 50)`, wsA)
	mustNot(t, err)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	var reports []store.RunReport
	for i := range 12 {
		r := store.RunReport{WorkspaceID: wsA, RunKey: fmt.Sprintf("r%d", i), Version: 1 + i%2,
			CustomerID: fmt.Sprintf("c%d", i), WorkflowID: fmt.Sprintf("wf%d", i), EnteredAt: at(i), Holdout: i%5 == 0}
		first := r
		first.Steps = []store.RunStep{{Seq: 1, Node: "hello", Kind: "send", EnteredAt: at(i)}}
		if i%3 == 0 { // a run that waits: its entry alone, then the rest
			reports = append(reports, first, first)
			first.Steps = nil
		}
		last := first
		last.Steps = append(last.Steps, store.RunStep{Seq: 2, Node: "wait", Kind: "wait", EnteredAt: at(i + 20)},
			store.RunStep{Seq: 3, Node: "done", Kind: "exit", EnteredAt: at(i + 40)})
		last.Leaves = []store.RunLeave{{Seq: 1, Next: "wait"}, {Seq: 2, Next: "done"}, {Seq: 3, Next: ""}}
		last.Exit = &store.RunExit{At: at(i + 40), Reason: "done"}
		reports = append(reports, last, last)
	}
	for _, r := range reports {
		key := r.RunKey
		r.JourneyID, r.RunKey = "plain", "plain/"+key
		mustNot(t, b.store.RecordRun(ctx, r))
		r.JourneyID, r.RunKey = "batched", "batched/"+key
		mustNot(t, store.RecordBatchedRunForTest(ctx, b.db, r))
	}
	for what, q := range map[string]string{
		"runs": `SELECT split_part(run_key, '/', 2), version, customer_id, workflow_id, entered_at, exited_at, exit_reason, holdout, global_control
			FROM journey_runs WHERE workspace_id = 'ws_a' AND journey_id = $1 ORDER BY run_key`,
		"steps": `SELECT split_part(run_key, '/', 2), seq, node_id, kind, entered_at, coalesce(variant, ''), coalesce(next_node, '-')
			FROM journey_run_steps WHERE workspace_id = 'ws_a' AND run_key LIKE $1 || '/%' ORDER BY run_key, seq`,
		"counters": `SELECT metric, node, key, version, bucket, n, amount
			FROM journey_stat_counters WHERE workspace_id = 'ws_a' AND journey_id = $1 ORDER BY 1, 2, 3, 4, 5`,
		"arms": `SELECT version, arm, entered, converted FROM journey_experiment_arms WHERE workspace_id = 'ws_a' AND journey_id = $1 ORDER BY 1, 2`,
	} {
		plain, batched := rowsOf(t, b, q, "plain"), rowsOf(t, b, q, "batched")
		if len(plain) == 0 {
			t.Errorf("%s: nothing stored", what)
		}
		if !reflect.DeepEqual(plain, batched) {
			t.Errorf("%s differ:\n plain:   %v\n batched: %v", what, plain, batched)
		}
	}
}

func rowsOf(t *testing.T, b *testBundle, q, journeyID string) [][]any {
	t.Helper()
	rows, err := b.db.Query(context.Background(), q, journeyID)
	mustNot(t, err)
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		v, err := rows.Values()
		mustNot(t, err)
		out = append(out, v)
	}
	mustNot(t, rows.Err())
	return out
}
