package store_test

import (
	"context"
	"io"
	"io/fs"
	"reflect"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/schemas"
	"github.com/tabiji/tabiji/store"
)

// beforeExperimentCounters is a database migrated up to the migration
// before the one that creates the experiment counters, a pool on it, and
// that version.
func beforeExperimentCounters(tb testing.TB) (string, *pgxpool.Pool) {
	url, db, _ := beforeExperimentCountersAt(tb)
	return url, db
}

func beforeExperimentCountersAt(tb testing.TB) (string, *pgxpool.Pool, int64) {
	tb.Helper()
	ctx := context.Background()
	names, err := fs.Glob(schemas.Migrations, "migrations/*_experiment_counters.sql")
	if err != nil || len(names) != 1 {
		tb.Fatalf("the experiment counters' migration: %v %v", names, err)
	}
	version, err := goose.NumericComponent(names[0])
	if err != nil {
		tb.Fatal(err)
	}
	url := pgtest.EmptyURL(tb)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	migrations, err := fs.Sub(schemas.Migrations, "migrations")
	if err != nil {
		tb.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.UpTo(ctx, version-1); err != nil {
		tb.Fatal(err)
	}
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return url, db, version - 1
}

// TestExperimentCountersMigrationBackFills: runs stored before the counters
// existed are counted by the migration as they were counted before it,
// the global control group by the share at migration time.
func TestExperimentCountersMigrationBackFills(t *testing.T) {
	ctx := context.Background()
	url, db, before := beforeExperimentCountersAt(t)
	for _, q := range []string{
		`INSERT INTO workspaces (id, name) VALUES ('ws_a', 'A'), ('ws_b', 'B')`,
		`INSERT INTO global_control (workspace_id, percent) VALUES ('ws_a', 30)`,
		// 60 runs of ws_a over two versions, every 6th held out; a split for
		// all, visited twice by every 5th; conversions at minutes 0 (before
		// the split at minute 1) for every 4th and 5 for every 3rd, twice
		// for every 9th.
		`INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at, holdout, converted_at)
		 SELECT 'ws_a', 'rk' || i, 'j', 1 + i % 2, 'c' || i, 'wf' || i, timestamptz '2026-11-23 09:00Z', i % 6 = 0,
		        CASE WHEN i % 4 = 0 OR i % 3 = 0 THEN timestamptz '2026-11-23 09:00Z' END
		 FROM generate_series(1, 60) i`,
		`INSERT INTO journey_run_steps (workspace_id, run_key, seq, node_id, kind, entered_at, variant)
		 SELECT 'ws_a', 'rk' || i, s, 'ab', 'split', timestamptz '2026-11-23 09:01Z' + (s - 1) * interval '1 minute',
		        (ARRAY['control', 'a'])[1 + i % 2]
		 FROM generate_series(1, 60) i, generate_series(1, 2) s WHERE s = 1 OR i % 5 = 0`,
		`INSERT INTO journey_conversions (workspace_id, run_key, message_id, journey_id, customer_id, converted_at)
		 SELECT 'ws_a', 'rk' || i, 'buy' || i || '-' || m, 'j', 'c' || i, timestamptz '2026-11-23 09:00Z' + m * interval '1 minute'
		 FROM generate_series(1, 60) i, (VALUES (0, 4), (5, 3), (6, 9)) AS c(m, every)
		 WHERE i % every = 0`,
		// ws_b's run is in no experiment of ws_a.
		`INSERT INTO journey_runs (workspace_id, run_key, journey_id, version, customer_id, workflow_id, entered_at)
		 VALUES ('ws_b', 'rk1', 'j', 1, 'c1', 'wf1', now())`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	_, err := store.Migrate(ctx, url, io.Discard)
	mustNot(t, err)
	s, err := store.Open(ctx, url)
	mustNot(t, err)
	defer s.Close()

	// By hand: the global control group is who is in 30% now.
	var want store.ExperimentCounts
	want.Variants = map[string]map[string]store.ArmCounts{"ab": {}}
	for i := 1; i <= 60; i++ {
		converted := i%4 == 0 || i%3 == 0
		arm := &want.Messaged
		switch {
		case i%6 == 0:
			arm = &want.Holdout
		case experiment.InGlobalControl(30, "ws_a", "c"+strconv.Itoa(i)):
			arm = &want.GlobalControl
		}
		arm.Entered++
		if converted {
			arm.Converted++
		}
		if arm == &want.Messaged {
			v := []string{"control", "a"}[i%2]
			c := want.Variants["ab"][v]
			c.Entered++
			if i%3 == 0 { // only the conversion at minute 5 (or 6) follows the split
				c.Converted++
			}
			want.Variants["ab"][v] = c
		}
	}
	got, err := s.ExperimentCounts(ctx, "ws_a", "j", nil)
	mustNot(t, err)
	if !reflect.DeepEqual(got, want) || want.GlobalControl.Entered == 0 || want.Variants["ab"]["a"].Converted == 0 {
		t.Errorf("after the migration\n%+v\nby hand\n%+v", got, want)
	}
	v2 := 2
	got, err = s.ExperimentCounts(ctx, "ws_a", "j", &v2)
	mustNot(t, err)
	if want := recountExperiments(t, db, "ws_a", "j", &v2); !reflect.DeepEqual(got, want) {
		t.Errorf("version 2 after the migration\n%+v\nrecount\n%+v", got, want)
	}
	if b, err := s.ExperimentCounts(ctx, "ws_b", "j", nil); err != nil || b.Messaged.Entered != 1 || b.Holdout.Entered != 0 {
		t.Errorf("ws_b = %+v, %v", b, err)
	}

	// And down again: the counters and the column go, the runs stay.
	cfg, err := pgx.ParseConfig(url)
	mustNot(t, err)
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	migrations, err := fs.Sub(schemas.Migrations, "migrations")
	mustNot(t, err)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations, goose.WithDisableGlobalRegistry(true))
	mustNot(t, err)
	_, err = p.DownTo(ctx, before)
	mustNot(t, err)
	var runs int
	var left bool
	mustNot(t, db.QueryRow(ctx, `SELECT count(*), to_regclass('journey_experiment_arms') IS NOT NULL OR EXISTS (
		SELECT 1 FROM information_schema.columns WHERE table_name = 'journey_runs' AND column_name = 'global_control')
		FROM journey_runs`).Scan(&runs, &left))
	if runs != 61 || left {
		t.Errorf("after down: %d runs, counters or column left: %v", runs, left)
	}
}
