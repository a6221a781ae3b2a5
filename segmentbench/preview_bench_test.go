package segmentbench

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// builderDefinitions are what the segment builder typically sends while a
// marketer edits: a trait, all-time facts (rollups), recent windows and
// property filters (the events table), a top percent.
var builderDefinitions = []struct{ name, definition string }{
	{"trait", `{"condition":{"trait":{"name":"plan","op":"eq","value":"gold"}}}`},
	{"trait_and_all_time_sum", `{"condition":{"and":[{"trait":{"name":"plan","op":"in","value":["gold","silver"]}},{"event":{"name":"purchase","sum":{"property":"total","op":"gte","value":20000}}}]}}`},
	{"count_last_30_days", `{"condition":{"event":{"name":"purchase","window":{"last_days":30},"count":{"op":"gte","value":1}}}}`},
	{"cart_not_bought_7_days", `{"condition":{"and":[{"event":{"name":"cart_add","window":{"last_days":7}}},{"event":{"name":"purchase","performed":false,"window":{"last_days":7}}}]}}`},
	{"filter_90_days", `{"condition":{"event":{"name":"purchase","where":[{"property":"total","op":"gte","value":10000}],"window":{"last_days":90}}}}`},
	{"top_10_percent", `{"condition":{"event":{"name":"purchase","sum":{"property":"total","top_percent":10}}}}`},
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkSegmentBuilderPreview times the segment builder's live count,
// store.PreviewSegment (POST /v1/segments/preview: validation, the count
// and reach per channel in one statement, a sample of 10), on
// TABIJI_BENCH_PROFILES profiles (1,000,000) and TABIJI_BENCH_EVENTS events
// (1,000,000) generated as `tabiji bench segments` does, most with an
// email address, about 40% a LINE user id and 20% a phone (picked by
// hashtext of the id), about 3% opted out of email and 1% of addresses
// suppressed. Each definition reports p50 and p95 of its
// iterations (run with -benchtime=20x) and the Postgres CPU time of a
// preview and of a count (p50, when the server runs on this machine: what
// load from other programs inflates least).
// TABIJI_BENCH_DATABASE_URL names a database to fill and keep (migrated
// first; filled only while its workspace has no profiles), so a second
// run, or EXPLAIN by hand, skips the generation.
func BenchmarkSegmentBuilderPreview(b *testing.B) {
	ctx := context.Background()
	st, pool := previewBenchData(b)
	cpu, haveCPU := newServerCPU(ctx, pool)
	for _, d := range builderDefinitions {
		b.Run(d.name, func(b *testing.B) {
			var took, counts, tookCPU, countCPU []time.Duration
			var members int64
			for range b.N {
				before, start := cpu.used(), time.Now()
				p, err := st.PreviewSegment(ctx, benchWorkspace, "", json.RawMessage(d.definition), 10)
				if err != nil {
					b.Fatal(err)
				}
				took, members = append(took, time.Since(start)), p.Reach.Members
				tookCPU = append(tookCPU, cpu.used()-before)
				// The baseline: the same definition saved, counted as
				// GET /v1/segments/{id}/count counts it.
				before, start = cpu.used(), time.Now()
				if _, err := st.CountSegment(ctx, benchWorkspace, d.name); err != nil {
					b.Fatal(err)
				}
				counts = append(counts, time.Since(start))
				countCPU = append(countCPU, cpu.used()-before)
			}
			b.ReportMetric(float64(percentile(took, 50).Milliseconds()), "p50-ms")
			b.ReportMetric(float64(percentile(took, 95).Milliseconds()), "p95-ms")
			b.ReportMetric(float64(percentile(counts, 50).Milliseconds()), "count-p50-ms")
			if haveCPU {
				b.ReportMetric(float64(percentile(tookCPU, 50).Milliseconds()), "pg-cpu-ms")
				b.ReportMetric(float64(percentile(countCPU, 50).Milliseconds()), "count-pg-cpu-ms")
			}
			b.ReportMetric(float64(members), "members")
		})
	}
}

// benchWorkspace is the workspace the benchmark fills.
const benchWorkspace = "bench"

// previewBenchData opens the benchmark's database (a private one, or
// TABIJI_BENCH_DATABASE_URL kept from an earlier run), fills it when its
// workspace has no profiles yet, and saves builderDefinitions.
func previewBenchData(b *testing.B) (*store.Store, *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	url := os.Getenv("TABIJI_BENCH_DATABASE_URL")
	if url == "" {
		url = pgtest.URL(b)
	} else if _, err := store.Migrate(ctx, url, io.Discard); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	var filled bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM profiles WHERE workspace_id = $1)`, benchWorkspace).Scan(&filled); err != nil {
		b.Fatal(err)
	}
	if filled {
		b.Logf("workspace %s already has profiles: not generated again", benchWorkspace)
		return st, pool
	}
	cfg := Config{Workspace: benchWorkspace, Profiles: envInt("TABIJI_BENCH_PROFILES", 1_000_000), Events: envInt("TABIJI_BENCH_EVENTS", 1_000_000), Now: time.Now(), Seed: 7}
	if err := Generate(ctx, pool, cfg, os.Stderr); err != nil {
		b.Fatal(err)
	}
	if err := addAddresses(ctx, pool, cfg.Workspace); err != nil {
		b.Fatal(err)
	}
	for _, d := range builderDefinitions {
		if _, err := st.CreateCheckedSegment(ctx, cfg.Workspace, store.Segment{ID: d.name, Name: d.name}, json.RawMessage(d.definition)); err != nil {
			b.Fatal(err)
		}
	}
	return st, pool
}

// percentile is the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p int) time.Duration {
	slices.Sort(ds)
	return ds[min(len(ds)-1, len(ds)*p/100)]
}

// addAddresses gives the generated customers addresses, opt-outs and
// suppressions, so the reach per channel has something to count.
func addAddresses(ctx context.Context, pool *pgxpool.Pool, ws string) error {
	for _, sql := range []string{
		`UPDATE profiles SET email = CASE WHEN hashtext(id) % 10 < 7 THEN id || '@example.com' ELSE '' END,
			line_user_id = CASE WHEN abs(hashtext(id || 'l')) % 10 < 4 THEN 'U' || md5(id) ELSE '' END,
			phone = CASE WHEN abs(hashtext(id || 'p')) % 10 < 2 THEN '+8190' || lpad((abs(hashtext(id)) % 100000000)::text, 8, '0') ELSE '' END
			WHERE workspace_id = $1`,
		`INSERT INTO consent (workspace_id, customer_id, channel, topic, status, source)
			SELECT $1, id, 'email', '', 'opted_out', 'bench' FROM profiles WHERE workspace_id = $1 AND abs(hashtext(id || 'c')) % 100 < 3`,
		`INSERT INTO suppressions (workspace_id, channel, address, reason)
			SELECT $1, 'email', email, 'hard_bounce' FROM profiles WHERE workspace_id = $1 AND email <> '' AND abs(hashtext(id || 's')) % 100 < 1`,
		`VACUUM ANALYZE profiles, consent, suppressions`,
	} {
		if _, err := pool.Exec(ctx, sql, ws); err != nil && sql[:6] != "VACUUM" {
			return err
		}
	}
	_, err := pool.Exec(ctx, `VACUUM ANALYZE profiles, consent, suppressions`)
	return err
}
