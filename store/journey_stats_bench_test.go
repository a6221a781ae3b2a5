package store_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/store"
)

// benchDefinition: a split, three sends (email, LINE, push), an exit.
const benchDefinition = `{"entry": {"event": "signup"}, "goal": {"event": "purchase", "window": "7d"}, "nodes": [
	{"id": "ab", "kind": "split"}, {"id": "m_email", "kind": "send"}, {"id": "m_line", "kind": "send"},
	{"id": "m_push", "kind": "send"}, {"id": "done", "kind": "exit"}]}`

// benchLoad fills journey "big" with n runs over 30 days: 5 steps and 3
// messages each (email, LINE, push), delivery/open/click events on the
// emails (90%/30%/10%), a conversion for every 7th run and a second for
// every 49th, 5% still in progress. The facts are bulk-inserted with the
// counting triggers off, then the counters are built by the same
// increments, summed in SQL: what RecordRun and the triggers would have
// written one fact at a time.
func benchLoad(b *testing.B, db *pgxpool.Pool, n int) {
	b.Helper()
	ctx := context.Background()
	steps := []string{
		`ALTER TABLE messages DISABLE TRIGGER messages_stats`,
		`ALTER TABLE message_events DISABLE TRIGGER message_events_stats`,
		`INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, exited_at, exit_reason, holdout, converted_at)
		 SELECT 'ws_a', 'r' || i, 'big', 1 + i % 2, 'c' || i, 'wf' || i, e,
		        CASE WHEN i % 20 = 0 THEN NULL ELSE e + interval '3 hours' END,
		        CASE WHEN i % 20 = 0 THEN '' ELSE 'done' END, i % 10 = 0,
		        CASE WHEN i % 7 = 0 THEN e + interval '1 day' END
		 FROM generate_series(1, $1::int) i, LATERAL (SELECT timestamptz '2026-10-01 00:00:00+00' + (i % 2592000) * interval '1 second' AS e) t`,
		`INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at, next_node, variant)
		 SELECT r.workspace_id, r.run_key, s.seq, s.node, s.kind, r.entered_at + (s.seq - 1) * interval '1 hour',
		        CASE WHEN s.seq = 5 THEN (CASE WHEN r.exited_at IS NULL THEN NULL ELSE '' END) ELSE s.next END,
		        CASE WHEN s.seq = 1 THEN (ARRAY['a', 'b', 'control'])[1 + substr(r.run_key, 2)::int % 3] END
		 FROM journey_runs r, (VALUES (1, 'ab', 'split', 'm_email'), (2, 'm_email', 'send', 'm_line'), (3, 'm_line', 'send', 'm_push'),
		                              (4, 'm_push', 'send', 'done'), (5, 'done', 'exit', NULL)) AS s(seq, node, kind, next)
		 WHERE r.journey_id = 'big'`,
		`INSERT INTO messages (id, workspace_id, customer_id, journey_id, journey_version, workflow_id, run_id, node_id, channel, status, created_at)
		 SELECT r.run_key || '/' || m.node, 'ws_a', r.customer_id, 'big', r.version, r.workflow_id, 'run', m.node, m.channel, 'sent',
		        r.entered_at + m.k * interval '1 hour'
		 FROM journey_runs r, (VALUES (1, 'm_email', 'email'), (2, 'm_line', 'line'), (3, 'm_push', 'push')) AS m(k, node, channel)
		 WHERE r.journey_id = 'big'`,
		`INSERT INTO message_events (workspace_id, event_id, message_id, status, provider_event, at)
		 SELECT 'ws_a', r.run_key || '/' || e.status, r.run_key || '/m_email', e.status, e.status, r.entered_at + interval '1 hour' + e.k * interval '1 minute'
		 FROM journey_runs r, (VALUES (1, 'delivered', 10, 9), (2, 'opened', 10, 3), (3, 'clicked', 10, 1)) AS e(k, status, m, below)
		 WHERE r.journey_id = 'big' AND substr(r.run_key, 2)::int % e.m < e.below`,
		`INSERT INTO journey_conversions (workspace_id, run_key, message_id, journey_id, customer_id, converted_at, revenue)
		 SELECT 'ws_a', r.run_key, 'p' || c.k || '-' || r.run_key, 'big', r.customer_id, r.converted_at + (c.k - 1) * interval '1 hour', 1000 * c.k
		 FROM journey_runs r, (VALUES (1, 7), (2, 49)) AS c(k, m)
		 WHERE r.journey_id = 'big' AND substr(r.run_key, 2)::int % c.m = 0`,
		`ALTER TABLE messages ENABLE TRIGGER messages_stats`,
		`ALTER TABLE message_events ENABLE TRIGGER message_events_stats`,
		// The counters, as the increments would have made them.
		`INSERT INTO journey_stat_counters (workspace_id, journey_id, metric, node, key, version, bucket, n, amount)
		 SELECT 'ws_a', 'big', metric, node, key, version, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00'), count(*), COALESCE(sum(amount), 0)
		 FROM (
		   SELECT 'entered' AS metric, '' AS node, '' AS key, version, entered_at AS at, 0 AS amount FROM journey_runs WHERE journey_id = 'big'
		   UNION ALL SELECT 'holdout', '', '', version, entered_at, 0 FROM journey_runs WHERE journey_id = 'big' AND holdout
		   UNION ALL SELECT 'exited', '', exit_reason, version, exited_at, 0 FROM journey_runs WHERE journey_id = 'big' AND exited_at IS NOT NULL
		   UNION ALL SELECT 'converted', '', '', version, converted_at, 0 FROM journey_runs WHERE journey_id = 'big' AND converted_at IS NOT NULL
		   UNION ALL SELECT 'node', s.node_id, s.kind, r.version, s.entered_at, 0 FROM journey_run_steps s JOIN journey_runs r USING (workspace_id, run_key)
		   UNION ALL SELECT 'edge', s.node_id, s.next_node, r.version, s.entered_at, 0 FROM journey_run_steps s JOIN journey_runs r USING (workspace_id, run_key) WHERE s.next_node <> ''
		   UNION ALL SELECT 'variant', s.node_id, s.variant, r.version, s.entered_at, 0 FROM journey_run_steps s JOIN journey_runs r USING (workspace_id, run_key) WHERE s.variant IS NOT NULL
		   UNION ALL SELECT 'conversions', '', '', r.version, c.converted_at, c.revenue FROM journey_conversions c JOIN journey_runs r USING (workspace_id, run_key)
		   UNION ALL SELECT 'variant_conversions', s.node_id, s.variant, r.version, c.converted_at, c.revenue FROM journey_conversions c JOIN journey_runs r USING (workspace_id, run_key) JOIN journey_run_steps s USING (workspace_id, run_key) WHERE s.variant IS NOT NULL
		   UNION ALL SELECT 'variant_converted', s.node_id, s.variant, r.version, r.converted_at, 0 FROM journey_runs r JOIN journey_run_steps s USING (workspace_id, run_key) WHERE r.converted_at IS NOT NULL AND s.variant IS NOT NULL
		   UNION ALL SELECT 'channel_converted', '', m.channel, r.version, r.converted_at, 0 FROM journey_runs r JOIN messages m ON m.workspace_id = r.workspace_id AND m.workflow_id = r.workflow_id AND m.created_at <= r.converted_at WHERE r.converted_at IS NOT NULL
		   UNION ALL SELECT 'sent', node_id, channel, journey_version, created_at, 0 FROM messages WHERE journey_id = 'big'
		   UNION ALL SELECT e.status, m.node_id, m.channel, m.journey_version, e.at, 0 FROM message_events e JOIN messages m ON m.id = e.message_id
		   UNION ALL SELECT 'opened', m.node_id, m.channel, m.journey_version, e.at, 0 FROM message_events e JOIN messages m ON m.id = e.message_id
		     WHERE e.status = 'clicked' AND NOT EXISTS (SELECT 1 FROM message_events o WHERE o.message_id = e.message_id AND o.status = 'opened')
		 ) f GROUP BY 3, 4, 5, 6, 7`,
		`ANALYZE`,
	}
	for i, q := range steps {
		start := time.Now()
		var err error
		if i == 2 {
			_, err = db.Exec(ctx, q, n)
		} else {
			_, err = db.Exec(ctx, q)
		}
		if err != nil {
			b.Fatalf("load step %d: %v", i, err)
		}
		b.Logf("load step %d: %v", i, time.Since(start).Round(time.Millisecond))
	}
}

// BenchmarkJourneyStats reads the statistics of a journey with 1,000,000
// runs and 3,000,000 messages (TABIJI_BENCH_RUNS changes the runs; three
// messages each), from the counters, and then the same totals by indexed
// SQL over the facts, for comparison. Run with
//
//	go test ./store/ -run '^$' -bench JourneyStats -benchtime 20x -timeout 60m
func BenchmarkJourneyStats(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TABIJI_BENCH_RUNS")); err == nil && v > 0 {
		n = v
	}
	tb := setupB(b)
	ctx := context.Background()
	_, err := tb.store.CreateJourney(ctx, wsA, "big", "Big", json.RawMessage(benchDefinition))
	if err != nil {
		b.Fatal(err)
	}
	benchLoad(b, tb.db, n)
	var st store.JourneyStats
	b.Run("Counters", func(b *testing.B) {
		for b.Loop() {
			st, err = tb.store.JourneyStats(ctx, wsA, "big", store.StatsQuery{TZ: "Asia/Tokyo"})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	if st.Totals.Entered != int64(n) || st.Totals.Sent != int64(3*n) {
		b.Fatalf("entered %d, sent %d; want %d and %d", st.Totals.Entered, st.Totals.Sent, n, 3*n)
	}
	b.Logf("totals %+v; %d days, %d nodes", st.Totals, len(st.Daily), len(st.Nodes))
	b.Run("CountersOneWeek", func(b *testing.B) {
		q := store.StatsQuery{TZ: "Asia/Tokyo", From: time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)}
		for b.Loop() {
			if _, err := tb.store.JourneyStats(ctx, wsA, "big", q); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The alternative: the same totals counted from the facts on every request.
	b.Run("IndexedSQLTotalsOnly", func(b *testing.B) {
		for b.Loop() {
			var runs, exited, converted, sent, opened int64
			if err := tb.db.QueryRow(ctx, `SELECT count(*), count(exited_at), count(converted_at) FROM journey_runs
				WHERE workspace_id = 'ws_a' AND journey_id = 'big'`).Scan(&runs, &exited, &converted); err != nil {
				b.Fatal(err)
			}
			if err := tb.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status IN ('opened', 'clicked')) FROM messages
				WHERE workspace_id = 'ws_a' AND journey_id = 'big'`).Scan(&sent, &opened); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRecordRun measures the write side of the counters: one run of
// a split → send → exit journey reported as the workflow reports it (at its
// wait, with the entry and two steps; at its end, with two more steps, a
// conversion and the exit), one report at a time on one connection.
//
//	go test ./store/ -run '^$' -bench RecordRun -benchtime 5000x
func BenchmarkRecordRun(b *testing.B) {
	tb := setupB(b)
	ctx := context.Background()
	if _, err := tb.store.CreateJourney(ctx, wsA, "big", "Big", json.RawMessage(benchDefinition)); err != nil {
		b.Fatal(err)
	}
	t := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		i++
		at := t.Add(time.Duration(i) * time.Second)
		r := store.RunReport{WorkspaceID: wsA, RunKey: "r" + strconv.Itoa(i), JourneyID: "big", Version: 1,
			CustomerID: "c" + strconv.Itoa(i), WorkflowID: "wf" + strconv.Itoa(i), EnteredAt: at,
			Steps: []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: at, Variant: "a"},
				{Seq: 2, Node: "m_email", Kind: "send", EnteredAt: at}},
			Leaves: []store.RunLeave{{Seq: 1, Next: "m_email"}}}
		if err := tb.store.RecordRun(ctx, r); err != nil {
			b.Fatal(err)
		}
		r.Steps = []store.RunStep{{Seq: 3, Node: "done", Kind: "exit", EnteredAt: at.Add(time.Hour)}}
		r.Leaves = []store.RunLeave{{Seq: 2, Next: "done"}, {Seq: 3}}
		r.Conversions = []store.RunConversion{{MessageID: "p" + strconv.Itoa(i), At: at.Add(time.Hour), Revenue: 10}}
		r.Exit = &store.RunExit{At: at.Add(time.Hour), Reason: "done"}
		if err := tb.store.RecordRun(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
