package store_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// BenchmarkExperimentCounts counts the experiments of a journey of 1,000,000
// runs (3,000,000 steps, one a three-way split; 10% held out; 125,000
// conversions) with a 5% global control group. The runs are bulk-inserted
// into the schema before the experiment counters, and the counters' migration
// back-fills them, as it would on an upgraded database (its time is reported
// as backfill-ms):
// go test ./store/ -run '^$' -bench BenchmarkExperimentCounts -benchtime 20x
func BenchmarkExperimentCounts(b *testing.B) {
	ctx := context.Background()
	url, db := beforeExperimentCounters(b)
	for _, q := range []string{
		`INSERT INTO workspaces (id, name) VALUES ('ws_a', 'A')`,
		`INSERT INTO global_control (workspace_id, percent) VALUES ('ws_a', 5)`,
		`INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, holdout, converted_at)
		 SELECT 'ws_a', 'rk' || i, 'j', 1, 'c' || i, 'wf' || i, now() - (i % 30) * interval '1 day', i % 10 = 0,
		        CASE WHEN i % 8 = 0 THEN now() END
		 FROM generate_series(1, 1000000) i`,
		`INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at, next_node, variant)
		 SELECT 'ws_a', 'rk' || i, s, CASE s WHEN 2 THEN 'ab' ELSE 'n' || s END, CASE s WHEN 2 THEN 'split' ELSE 'wait' END,
		        now() - (i % 30) * interval '1 day', '', CASE WHEN s = 2 THEN (ARRAY['control', 'a', 'b'])[i % 3 + 1] END
		 FROM generate_series(1, 1000000) i, generate_series(1, 3) s`,
		`INSERT INTO journey_conversions (workspace_id, run_key, message_id, journey_id, customer_id, converted_at, revenue)
		 SELECT 'ws_a', 'rk' || i, 'buy' || i, 'j', 'c' || i, now(), 10 FROM generate_series(8, 1000000, 8) i`,
		`ANALYZE journey_runs, journey_run_steps, journey_conversions`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	if _, err := store.Migrate(ctx, url, io.Discard); err != nil {
		b.Fatal(err)
	}
	backfill := time.Since(start)
	s, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for range b.N {
		got, err := s.ExperimentCounts(ctx, wsA, "j", nil)
		if err != nil {
			b.Fatal(err)
		}
		if got.Messaged.Entered+got.Holdout.Entered+got.GlobalControl.Entered != 1000000 || len(got.Variants["ab"]) != 3 {
			b.Fatalf("counted %+v", got)
		}
	}
	b.ReportMetric(float64(backfill.Milliseconds()), "backfill-ms")
}
