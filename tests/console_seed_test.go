package tests

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/store"
)

// consoleJourneys are the seeded journeys; the runs are spread over them.
var consoleJourneys = []string{"cart", "welcome", "winback", "repeat"}

// consoleDefinition: a send by email, a send by LINE, an exit.
const consoleDefinition = `{"entry": {"event": "signup"}, "goal": {"event": "purchase", "window": "7d"}, "nodes": [
	{"id": "m_email", "kind": "send"}, {"id": "m_line", "kind": "send"}, {"id": "done", "kind": "exit"}],
	"edges": [{"from": "m_email", "to": "m_line"}, {"from": "m_line", "to": "done"}]}`

// consoleSeedSteps fill the workspace with $1 profiles (one "Product
// Viewed" event each, a purchase for 40% of them and a second for 10%,
// over 2026-10-08..2026-12-07) and $2 journey runs in November 2026 over
// the four journeys: three steps and two messages (email, LINE) each,
// delivery/open/click events on the emails (90%/30%/10%), a conversion for
// every 7th run. Facts go in with the counting triggers off, then the
// counters are built as the increments would have made them, summed in
// SQL (the shape of store's BenchmarkJourneyStats load), and the events'
// rollups and the purchase counters as ingestion keeps them.
var consoleSeedSteps = []string{
	`SELECT tabiji_event_partitions(timestamptz '2026-10-01 00:00:00+00', 3)`,
	`INSERT INTO profiles (workspace_id, id, traits, email, phone, line_user_id, timezone, created_at, updated_at)
	 SELECT 'default', 'c' || lpad(i::text, 7, '0'),
	        jsonb_build_object('email', 'c' || i || '@example.jp', 'name', '顧客 ' || i, 'plan', (ARRAY['free', 'gold', 'silver'])[1 + i % 3]),
	        'c' || i || '@example.jp', '+8190' || lpad(i::text, 8, '0'), 'U' || md5(i::text), 'Asia/Tokyo',
	        timestamptz '2026-10-08 00:00:00+09' + (i % 5184000) * interval '1 second', timestamptz '2026-12-01 00:00:00+09'
	 FROM generate_series(1, $1::int) i`,
	`INSERT INTO events (workspace_id, message_id, type, user_id, event, properties, timestamp, received_at)
	 SELECT 'default', 'v' || i, 'track', 'c' || lpad(i::text, 7, '0'), 'Product Viewed', jsonb_build_object('sku', 'sku-' || i % 500), t, t
	 FROM generate_series(1, $1::int) i, LATERAL (SELECT timestamptz '2026-10-08 00:00:00+09' + (i * 7 % 5184000) * interval '1 second' AS t) x`,
	`INSERT INTO events (workspace_id, message_id, type, user_id, event, properties, timestamp, received_at)
	 SELECT 'default', 'p' || k || '-' || i, 'track', 'c' || lpad(i::text, 7, '0'), 'purchase',
	        jsonb_build_object('revenue', 1000 + i % 9000, 'currency', 'JPY'), t, t
	 FROM generate_series(1, $1::int) i, (VALUES (1, 10, 4), (2, 10, 1)) AS o(k, m, below),
	      LATERAL (SELECT timestamptz '2026-10-08 00:00:00+09' + ((i * 13 + k * 86400 * 9) % 5184000) * interval '1 second' AS t) x
	 WHERE i % o.m < o.below`,
	`ALTER TABLE messages DISABLE TRIGGER messages_stats`,
	`ALTER TABLE message_events DISABLE TRIGGER message_events_stats`,
	`INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, exited_at, exit_reason, holdout, converted_at)
	 SELECT 'default', 'r' || i, (ARRAY['cart', 'welcome', 'winback', 'repeat'])[1 + i % 4], 1, c, 'ws/' || i || '/' || c, e,
	        CASE WHEN i % 20 = 0 THEN NULL ELSE e + interval '3 hours' END,
	        CASE WHEN i % 20 = 0 THEN '' ELSE 'done' END, i % 10 = 0,
	        CASE WHEN i % 7 = 0 THEN e + interval '1 day' END
	 FROM generate_series(1, $2::int) i,
	      LATERAL (SELECT timestamptz '2026-11-01 00:00:00+09' + (i % 2592000) * interval '1 second' AS e,
	                      'c' || lpad((1 + (i::bigint * 7919) % $1::int)::text, 7, '0') AS c) t`,
	`INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at, next_node)
	 SELECT r.workspace_id, r.run_key, s.seq, s.node, s.kind, r.entered_at + (s.seq - 1) * interval '1 hour',
	        CASE WHEN s.seq = 3 THEN (CASE WHEN r.exited_at IS NULL THEN NULL ELSE '' END) ELSE s.next END
	 FROM journey_runs r, (VALUES (1, 'm_email', 'send', 'm_line'), (2, 'm_line', 'send', 'done'), (3, 'done', 'exit', NULL)) AS s(seq, node, kind, next)`,
	`INSERT INTO messages (id, workspace_id, customer_id, journey_id, journey_version, workflow_id, run_id, node_id, channel, status, created_at)
	 SELECT r.run_key || '/' || m.node, 'default', r.customer_id, r.journey_id, r.version, r.workflow_id, 'run', m.node, m.channel, 'sent',
	        r.entered_at + m.k * interval '1 hour'
	 FROM journey_runs r, (VALUES (0, 'm_email', 'email'), (1, 'm_line', 'line')) AS m(k, node, channel)`,
	`INSERT INTO message_events (workspace_id, event_id, message_id, status, provider_event, at)
	 SELECT 'default', r.run_key || '/' || e.status, r.run_key || '/m_email', e.status, e.status, r.entered_at + e.k * interval '1 minute'
	 FROM journey_runs r, (VALUES (1, 'delivered', 10, 9), (2, 'opened', 10, 3), (3, 'clicked', 10, 1)) AS e(k, status, m, below)
	 WHERE substr(r.run_key, 2)::int % e.m < e.below`,
	`INSERT INTO journey_conversions (workspace_id, run_key, message_id, journey_id, customer_id, converted_at, revenue)
	 SELECT 'default', r.run_key, 'goal-' || r.run_key, r.journey_id, r.customer_id, r.converted_at, 1000 + substr(r.run_key, 2)::int % 9000
	 FROM journey_runs r WHERE r.converted_at IS NOT NULL`,
	`ALTER TABLE messages ENABLE TRIGGER messages_stats`,
	`ALTER TABLE message_events ENABLE TRIGGER message_events_stats`,
	`INSERT INTO journey_stat_counters (workspace_id, journey_id, metric, node, key, version, bucket, n, amount)
	 SELECT 'default', journey_id, metric, node, key, version, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00'), count(*), COALESCE(sum(amount), 0)
	 FROM (
	   SELECT journey_id, 'entered' AS metric, '' AS node, '' AS key, version, entered_at AS at, 0 AS amount FROM journey_runs
	   UNION ALL SELECT journey_id, 'holdout', '', '', version, entered_at, 0 FROM journey_runs WHERE holdout
	   UNION ALL SELECT journey_id, 'exited', '', exit_reason, version, exited_at, 0 FROM journey_runs WHERE exited_at IS NOT NULL
	   UNION ALL SELECT journey_id, 'converted', '', '', version, converted_at, 0 FROM journey_runs WHERE converted_at IS NOT NULL
	   UNION ALL SELECT r.journey_id, 'node', s.node_id, s.kind, r.version, s.entered_at, 0 FROM journey_run_steps s JOIN journey_runs r USING (workspace_id, run_key)
	   UNION ALL SELECT r.journey_id, 'edge', s.node_id, s.next_node, r.version, s.entered_at, 0 FROM journey_run_steps s JOIN journey_runs r USING (workspace_id, run_key) WHERE s.next_node <> ''
	   UNION ALL SELECT c.journey_id, 'conversions', '', '', r.version, c.converted_at, c.revenue FROM journey_conversions c JOIN journey_runs r USING (workspace_id, run_key)
	   UNION ALL SELECT r.journey_id, 'channel_converted', '', 'email', r.version, r.converted_at, 0 FROM journey_runs r WHERE r.converted_at IS NOT NULL
	   UNION ALL SELECT journey_id, 'sent', node_id, channel, journey_version, created_at, 0 FROM messages
	   UNION ALL SELECT m.journey_id, e.status, m.node_id, m.channel, m.journey_version, e.at, 0 FROM message_events e JOIN messages m ON m.id = e.message_id
	 ) f GROUP BY 2, 3, 4, 5, 6, 7`,
	// The rollups the statement that stores events keeps (store.rollupEventsSQL), as 00015 rebuilds them.
	`SELECT tabiji_rebuild_event_rollups('default')`,
	// The purchase counters ingestion keeps (store.insertPurchasesSQL), counted as 00051 counts them.
	`SELECT tabiji_rebuild_purchase_counters('default', 'purchase')`,
	`VACUUM ANALYZE`,
}

// seedConsole creates the journeys and runs consoleSeedSteps, logging how
// long each took; a kept database (TABIJI_BENCH_DATABASE_URL) that already
// has runs is used as it is.
func seedConsole(b *testing.B, st *store.Store, db *pgxpool.Pool, profiles, runs int) {
	b.Helper()
	ctx := context.Background()
	var seeded int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM journey_runs`).Scan(&seeded); err != nil {
		b.Fatal(err)
	}
	if seeded > 0 {
		b.Logf("the kept database has %d runs: not seeded again", seeded)
		return
	}
	for _, id := range consoleJourneys {
		if _, err := st.CreateJourney(ctx, "default", id, "Journey "+id, json.RawMessage(consoleDefinition)); err != nil {
			b.Fatalf("create journey %s: %v", id, err)
		}
	}
	start := time.Now()
	for i, q := range consoleSeedSteps {
		t := time.Now()
		args := []any{}
		if i == 1 || i == 2 || i == 3 || i == 6 {
			args = []any{profiles, runs}
			if i != 6 {
				args = args[:1]
			}
		}
		if _, err := db.Exec(ctx, q, args...); err != nil {
			b.Fatalf("seed step %d: %v", i, err)
		}
		b.Logf("seed step %d: %v", i, time.Since(t).Round(time.Millisecond))
	}
	var n int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM journey_runs`).Scan(&n); err != nil || n != int64(runs) {
		b.Fatalf("seeded %d runs (%v); want %d", n, err, runs)
	}
	b.Logf("seeded %d profiles, %d runs in %v", profiles, runs, time.Since(start).Round(time.Second))
}
