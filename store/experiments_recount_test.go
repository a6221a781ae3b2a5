package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/store"
)

// recountExperiments counts a journey's experiments from the stored runs,
// steps and conversions, grouping them all as ExperimentCounts did before
// it read counters: what the counters must always equal.
func recountExperiments(t testing.TB, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, workspaceID, journeyID string, version *int) store.ExperimentCounts {
	t.Helper()
	ctx := context.Background()
	out := store.ExperimentCounts{Variants: map[string]map[string]store.ArmCounts{}}
	rows, err := db.Query(ctx, `
		SELECT r.holdout, r.global_control, count(*), count(r.converted_at)
		FROM journey_runs r
		WHERE r.workspace_id = $1 AND r.journey_id = $2 AND ($3::int IS NULL OR r.version = $3)
		GROUP BY 1, 2`, workspaceID, journeyID, version)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var holdout, gc bool
		var c store.ArmCounts
		if err := rows.Scan(&holdout, &gc, &c.Entered, &c.Converted); err != nil {
			t.Fatal(err)
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
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	rows, err = db.Query(ctx, `
		WITH assigned AS (
			SELECT st.run_key, st.node_id, min(st.variant) AS variant, min(st.entered_at) AS at
			FROM journey_runs r
			JOIN journey_run_steps st ON st.workspace_id = r.workspace_id AND st.run_key = r.run_key
			WHERE r.workspace_id = $1 AND r.journey_id = $2 AND ($3::int IS NULL OR r.version = $3)
			  AND NOT r.holdout AND NOT r.global_control AND st.variant IS NOT NULL
			GROUP BY st.run_key, st.node_id),
		last_conversion AS (
			SELECT run_key, max(converted_at) AS at
			FROM journey_conversions
			WHERE workspace_id = $1 AND journey_id = $2
			GROUP BY run_key)
		SELECT a.node_id, a.variant, count(*), count(*) FILTER (WHERE c.at >= a.at)
		FROM assigned a LEFT JOIN last_conversion c ON c.run_key = a.run_key
		WHERE a.variant <> ''
		GROUP BY 1, 2`, workspaceID, journeyID, version)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var node, variant string
		var c store.ArmCounts
		if err := rows.Scan(&node, &variant, &c.Entered, &c.Converted); err != nil {
			t.Fatal(err)
		}
		if out.Variants[node] == nil {
			out.Variants[node] = map[string]store.ArmCounts{}
		}
		out.Variants[node][variant] = c
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out
}

// generatedRun is one run of journey "gen" cut into the reports a
// workflow would send: its entry, then its steps and conversions in a
// shuffled order, each report sent twice (a retried activity).
func generatedRun(rng *rand.Rand, i int) []store.RunReport {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	id := fmt.Sprintf("gen%d", i)
	base := store.RunReport{WorkspaceID: wsA, RunKey: "gen/" + id + "/r1", JourneyID: "gen", Version: 1 + i%2,
		CustomerID: id, WorkflowID: "gen/" + id, EnteredAt: t0, Holdout: rng.IntN(10) == 0}
	variant := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	steps := []store.RunStep{{Seq: 1, Node: "start", Kind: "wait", EnteredAt: t0},
		{Seq: 2, Node: "ab", Kind: "split", EnteredAt: t0.Add(10 * time.Minute), Variant: variant("control", "a", "b")}}
	if rng.IntN(4) == 0 { // loops back through the split, sometimes landing elsewhere
		steps = append(steps, store.RunStep{Seq: 3, Node: "start", Kind: "wait", EnteredAt: t0.Add(20 * time.Minute)},
			store.RunStep{Seq: 4, Node: "ab", Kind: "split", EnteredAt: t0.Add(30 * time.Minute), Variant: variant(steps[1].Variant, "a")})
	}
	if rng.IntN(2) == 0 { // a second split
		steps = append(steps, store.RunStep{Seq: len(steps) + 1, Node: "cd", Kind: "split", EnteredAt: t0.Add(40 * time.Minute), Variant: variant("x", "y")})
	}
	var convs []store.RunConversion
	for k := range rng.IntN(4) { // none to three, some before either split, some between
		convs = append(convs, store.RunConversion{MessageID: fmt.Sprintf("%s-buy-%d", id, k), At: t0.Add(time.Duration(rng.IntN(60)) * time.Minute), Revenue: 10})
	}
	entry := base
	out := []store.RunReport{entry}
	var parts []store.RunReport
	for _, st := range steps {
		p := base
		p.Steps = []store.RunStep{st}
		parts = append(parts, p)
	}
	for _, cv := range convs {
		p := base
		p.Conversions = []store.RunConversion{cv}
		parts = append(parts, p)
	}
	rng.Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
	for _, p := range parts {
		out = append(out, p, p)
	}
	all := base // and once more everything, as a replay would
	all.Steps, all.Conversions = steps, convs
	all.Exit = &store.RunExit{At: t0.Add(time.Hour), Reason: "done"}
	return append(out, all)
}

// TestExperimentCountersEqualARecount: the counters RecordRun keeps equal a
// recount of the stored facts, over runs with repeated conversions,
// conversions before the split, loops through a split, two splits, holdout
// and global-control runs, two versions, reports out of order and repeated,
// and the global control share changing while runs enter.
func TestExperimentCountersEqualARecount(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	rng := rand.New(rand.NewPCG(7, 11))
	share := map[string]float64{} // customer → the share when their run entered
	var current float64
	for i := range 400 {
		if i%100 == 0 {
			current = []float64{0, 12.34, 20, 30.55}[i/100]
			mustNot(t, b.store.PutGlobalControl(ctx, wsA, current))
		}
		for _, r := range generatedRun(rng, i) {
			mustNot(t, b.store.RecordRun(ctx, r))
			share[r.CustomerID] = current
		}
	}
	// Each run is in the group Send would have put its customer in at entry.
	rows, err := b.db.Query(ctx, `SELECT customer_id, global_control FROM journey_runs WHERE journey_id = 'gen'`)
	mustNot(t, err)
	stored, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Customer string
		GC       bool
	}])
	mustNot(t, err)
	for _, r := range stored {
		if want := experiment.InGlobalControl(share[r.Customer], wsA, r.Customer); r.GC != want {
			t.Errorf("%s entered with a share of %g: global control %v, want %v", r.Customer, share[r.Customer], r.GC, want)
		}
	}
	mustNot(t, b.store.PutGlobalControl(ctx, wsA, 50)) // re-files nothing
	v1, v2 := 1, 2
	for _, v := range []*int{nil, &v1, &v2} {
		got, err := b.store.ExperimentCounts(ctx, wsA, "gen", v)
		mustNot(t, err)
		want := recountExperiments(t, b.db, wsA, "gen", v)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("version %v: counters\n%+v\nrecount\n%+v", v, got, want)
		}
	}
	// The set covers what it claims to.
	all := recountExperiments(t, b.db, wsA, "gen", nil)
	if all.Holdout.Entered == 0 || all.GlobalControl.Converted == 0 || all.Messaged.Entered+all.Holdout.Entered+all.GlobalControl.Entered != 400 ||
		all.Variants["ab"]["b"].Converted == 0 || all.Variants["cd"]["y"].Converted == 0 ||
		all.Variants["ab"]["a"].Entered == all.Variants["ab"]["a"].Converted {
		t.Errorf("the generated set lacks a case: %+v", all)
	}
}

// TestExperimentCountersCountAConcurrentRetryOnce: the same report sent by
// several attempts at once (a local activity retried while its first attempt
// still runs) moves the counters once.
func TestExperimentCountersCountAConcurrentRetryOnce(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range 20 {
		id := fmt.Sprintf("c%d", i)
		base := store.RunReport{WorkspaceID: wsA, RunKey: "cc/" + id, JourneyID: "cc", Version: 1, CustomerID: id, WorkflowID: "cc/" + id, EnteredAt: t0}
		mustNot(t, b.store.RecordRun(ctx, base))
		r := base
		r.Steps = []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: t0, Variant: "a"}}
		r.Conversions = []store.RunConversion{{MessageID: id + "-buy", At: t0.Add(time.Minute)}}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() { errs <- b.store.RecordRun(ctx, r) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			mustNot(t, err)
		}
	}
	got, err := b.store.ExperimentCounts(ctx, wsA, "cc", nil)
	mustNot(t, err)
	want := store.ArmCounts{Entered: 20, Converted: 20}
	if got.Messaged != want || got.Variants["ab"]["a"] != want {
		t.Errorf("got %+v, want %+v in the arm and the variant", got, want)
	}
}
