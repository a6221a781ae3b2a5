// Package segmentbench generates a shop's worth of customers and events
// and times counting segments on them: the benchmark behind BENCHMARKS.md
// (tabiji bench segments).
package segmentbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// Config sizes the data set.
type Config struct {
	Workspace string
	Profiles  int
	Events    int
	// Now is the end of the 400 days the events span.
	Now  time.Time
	Seed uint64
}

// span is how far back the events go.
const span = 400 * 24 * time.Hour

// The mix of events: names and their share.
var eventMix = []struct {
	name  string
	share float64
}{{"page_view", 0.45}, {"product_view", 0.25}, {"cart_add", 0.15}, {"purchase", 0.10}, {"email_open", 0.05}}

// zones gives 60% of customers Tokyo, 20% Los Angeles and 20% no zone.
var zones = []string{"Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo", "Asia/Tokyo",
	"America/Los_Angeles", "America/Los_Angeles", "", ""}

// Generate writes cfg's profiles and events into the workspace with COPY
// on two connections, reporting progress to w, then builds the event
// rollups as ingestion keeps them and analyses the tables. Events come in
// time order, as ingestion stores them; customers are drawn with a skew
// (customer i about 1/sqrt(i) as often as the first), so a few buy often
// and most rarely.
func Generate(ctx context.Context, pool *pgxpool.Pool, cfg Config, w io.Writer) error {
	if _, err := pool.Exec(ctx, `INSERT INTO workspaces (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, cfg.Workspace); err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	if _, err := pool.Exec(ctx, `SELECT tabiji_event_partitions($1, 15)`, cfg.Now.Add(-span)); err != nil {
		return fmt.Errorf("make event partitions: %w", err)
	}
	start := time.Now()
	p := newProgress(w, "profiles", cfg.Profiles)
	if err := copyParallel(ctx, pool, cfg.Profiles, "profiles", []string{"workspace_id", "id", "traits", "timezone", "created_at"},
		func(i int, _ *rand.Rand) []any {
			return []any{cfg.Workspace, customerID(i), `{"plan":"` + []string{"free", "silver", "gold"}[i%3] + `"}`,
				zones[i%len(zones)], cfg.Now.Add(-span)}
		}, cfg.Seed, p); err != nil {
		return err
	}
	p.done()
	p = newProgress(w, "events", cfg.Events)
	step := span / time.Duration(cfg.Events)
	if err := copyParallel(ctx, pool, cfg.Events, "events", []string{"workspace_id", "message_id", "user_id", "event", "properties", "timestamp", "received_at"},
		func(i int, r *rand.Rand) []any {
			ts := cfg.Now.Add(-span + time.Duration(i)*step)
			name := pickEvent(r.Float64())
			props := `{"path":"/p/` + strconv.Itoa(r.IntN(5000)) + `"}`
			if name == "purchase" {
				props = `{"total":` + strconv.Itoa(500+r.IntN(30000)) + `,"currency":"JPY"}`
			}
			user := int(float64(cfg.Profiles) * math.Pow(r.Float64(), 2))
			return []any{cfg.Workspace, "bench-" + strconv.Itoa(i), customerID(user), name, props, ts, ts.Add(2 * time.Second)}
		}, cfg.Seed+1, p); err != nil {
		return err
	}
	p.done()
	fmt.Fprintf(w, "rollups and ANALYZE ... ")
	t := time.Now()
	if _, err := pool.Exec(ctx, `SELECT tabiji_rebuild_event_rollups($1)`, cfg.Workspace); err != nil {
		return fmt.Errorf("build rollups: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE profiles, events, event_rollups`); err != nil {
		return fmt.Errorf("analyse: %w", err)
	}
	fmt.Fprintf(w, "%s\ngenerated in %s\n", time.Since(t).Round(time.Second), time.Since(start).Round(time.Second))
	return nil
}

func customerID(i int) string { return fmt.Sprintf("c%07d", i) }

func pickEvent(u float64) string {
	for _, e := range eventMix {
		if u < e.share {
			return e.name
		}
		u -= e.share
	}
	return eventMix[0].name
}

// copyParallel COPYs n generated rows into table, split in two halves on
// two connections.
func copyParallel(ctx context.Context, pool *pgxpool.Pool, n int, table string, cols []string,
	row func(int, *rand.Rand) []any, seed uint64, p *progress) error {
	g, ctx := errgroup.WithContext(ctx)
	const parts = 2
	for part := range parts {
		lo, hi := n*part/parts, n*(part+1)/parts
		g.Go(func() error {
			src := &rowSource{i: lo - 1, hi: hi, row: row, r: rand.New(rand.NewPCG(seed, uint64(part))), p: p} //nolint:gosec // G404: seeded, so the data set is the same each run
			if _, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// rowSource generates rows i+1 … hi-1 for CopyFrom.
type rowSource struct {
	i, hi int
	row   func(int, *rand.Rand) []any
	r     *rand.Rand
	p     *progress
	cur   []any
}

func (s *rowSource) Next() bool {
	s.i++
	if s.i >= s.hi {
		return false
	}
	s.cur = s.row(s.i, s.r)
	s.p.add(1)
	return true
}

func (s *rowSource) Values() ([]any, error) { return s.cur, nil }
func (s *rowSource) Err() error             { return nil }
