package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestEndedRuns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	def := `{"entry":{"event":"cart"},"goal":{"event":"purchase","window":"7d"},"variables":{"min":5},"nodes":[{"id":"done","kind":"exit"}]}`
	for _, id := range []string{"cart", "other"} {
		_, err := b.store.CreateJourney(ctx, wsA, id, id, json.RawMessage(def))
		mustNot(t, err)
	}
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	record := func(journeyID, key, customer string, entered time.Time, ended bool) {
		r := store.RunReport{WorkspaceID: wsA, RunKey: key, JourneyID: journeyID, Version: 1, CustomerID: customer, WorkflowID: key, EnteredAt: entered}
		if ended {
			r.Exit = &store.RunExit{At: entered.Add(time.Minute), Reason: "done"}
		}
		mustNot(t, b.store.RecordRun(ctx, r))
	}
	record("cart", "ended", "u1", t0, true)
	record("cart", "going", "u1", t0, false)
	record("cart", "early", "u1", t0.Add(-10*24*time.Hour), true)
	record("cart", "anon", "anon-1", t0.Add(time.Hour), true) // entered before signing in
	record("other", "other", "u1", t0, true)                  // a journey not asked for
	record("cart", "u2", "u2", t0, true)                      // another customer
	_, err := b.store.ChangeProfile(ctx, wsA, "anon-1", store.ProfileChange{}, t0)
	mustNot(t, err)
	_, err = b.store.ChangeProfile(ctx, wsA, "u1", store.ProfileChange{}, t0)
	mustNot(t, err)
	merged, err := b.store.MergeProfiles(ctx, wsA, "anon-1", "u1", true)
	if err != nil || !merged {
		t.Fatalf("merge: %v %v", merged, err)
	}

	runs, err := b.store.EndedRuns(ctx, wsA, "u1", []string{"cart"}, t0.Add(-7*24*time.Hour), t0.Add(2*24*time.Hour))
	mustNot(t, err)
	var keys []string
	for _, r := range runs {
		keys = append(keys, r.RunKey)
	}
	if strings.Join(keys, ",") != "anon,ended" {
		t.Fatalf("ended runs = %v, want anon,ended", keys)
	}
	var g struct {
		Event, Window string
	}
	var vars map[string]any
	if json.Unmarshal(runs[1].Goal, &g) != nil || g.Event != "purchase" || g.Window != "7d" ||
		json.Unmarshal(runs[1].Variables, &vars) != nil || vars["min"] != 5.0 || runs[0].CustomerID != "anon-1" {
		t.Errorf("run = %+v", runs[1])
	}

	t.Run("ReadsThroughItsIndex", func(t *testing.T) {
		// 40,000 ended runs of 10,000 customers: the plan must not scan them.
		_, err := b.db.Exec(ctx, `
			INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, exited_at)
			SELECT $1, 'bulk' || i, CASE WHEN i % 2 = 0 THEN 'cart' ELSE 'other' END, 1, 'c' || (i % 10000), 'wf' || i,
			       $2::timestamptz - (i % 30) * interval '1 day', $2::timestamptz
			FROM generate_series(1, 40000) i`, wsA, t0)
		mustNot(t, err)
		_, err = b.db.Exec(ctx, `ANALYZE journey_runs`)
		mustNot(t, err)
		rows, err := b.db.Query(ctx, `EXPLAIN (COSTS OFF) `+store.EndedRunsSQL, wsA, "c42", []string{"cart"}, t0.Add(-7*24*time.Hour), t0)
		mustNot(t, err)
		var lines []string
		for rows.Next() {
			var line string
			mustNot(t, rows.Scan(&line))
			lines = append(lines, line)
		}
		mustNot(t, rows.Err())
		plan := strings.Join(lines, "\n")
		t.Log(plan)
		if !strings.Contains(plan, "journey_runs_ended_customer_idx") || strings.Contains(plan, "Seq Scan on journey_runs") {
			t.Errorf("the plan does not use journey_runs_ended_customer_idx:\n%s", plan)
		}
	})
}
