package store_test

import (
	"context"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/schemas"
	"github.com/tabiji/tabiji/store"
)

// TestBroadcastDeferralsArePrunedWhenItEnds: a broadcast's quiet-hours
// deferrals go when it ends, whichever way it ends, and a batch that comes
// after cannot hold anybody again; another broadcast's stay.
func TestBroadcastDeferralsArePrunedWhenItEnds(t *testing.T) {
	ctx := context.Background()
	for _, end := range []string{store.BroadcastCompleted, store.BroadcastCancelled, store.BroadcastFailed} {
		t.Run(end, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			later := time.Now().Add(8 * time.Hour)
			for _, id := range []string{"bc_ends", "bc_goes_on"} {
				_, err := b.store.CreateBroadcast(ctx, store.Broadcast{WorkspaceID: wsA, ID: id, Name: id, SegmentID: "all", Channel: "email", TemplateID: "t"})
				mustNot(t, err)
				mustNot(t, b.store.SetBroadcastStatus(ctx, wsA, id, store.BroadcastSending, 3, ""))
				mustNot(t, b.store.DeferBroadcast(ctx, wsA, id, map[string]time.Time{"u1": later, "u2": later}))
			}
			p, err := b.store.BroadcastProgress(ctx, wsA, "bc_ends")
			mustNot(t, err)
			if p.Deferred != 2 {
				t.Fatalf("deferred before the end = %d, want 2", p.Deferred)
			}
			mustNot(t, b.store.SetBroadcastStatus(ctx, wsA, "bc_ends", end, 0, ""))
			mustNot(t, b.store.DeferBroadcast(ctx, wsA, "bc_ends", map[string]time.Time{"u3": later}))
			if n := deferrals(t, b.db, "bc_ends"); n != 0 {
				t.Errorf("%d deferrals of the %s broadcast left, want 0", n, end)
			}
			if n := deferrals(t, b.db, "bc_goes_on"); n != 2 {
				t.Errorf("%d deferrals of the broadcast still sending, want 2", n)
			}
			p, err = b.store.BroadcastProgress(ctx, wsA, "bc_ends")
			mustNot(t, err)
			if p.Deferred != 0 {
				t.Errorf("deferred after the end = %d, want 0", p.Deferred)
			}
		})
	}
}

// TestBroadcastDeferralsMigrationPrunesEndedBroadcasts: migration 00021
// drops the deferrals that broadcasts which ended before it left behind,
// and keeps those of a broadcast still sending.
func TestBroadcastDeferralsMigrationPrunesEndedBroadcasts(t *testing.T) {
	ctx := context.Background()
	url, db := migratedBefore(t, "migrations/*_prune_broadcast_deferrals.sql")
	for _, q := range []string{
		`INSERT INTO workspaces (id, name) VALUES ('ws_a', 'A')`,
		`INSERT INTO broadcasts (workspace_id, id, name, segment_id, channel, status, finished_at) VALUES
			('ws_a', 'bc_done', 'Done', 'all', 'email', 'completed', now()),
			('ws_a', 'bc_gone', 'Gone', 'all', 'email', 'cancelled', now()),
			('ws_a', 'bc_live', 'Live', 'all', 'email', 'sending', NULL)`,
		`INSERT INTO broadcast_deferrals (workspace_id, broadcast_id, customer_id, until)
			SELECT 'ws_a', b, 'u' || i, now() + interval '1 hour'
			FROM unnest(ARRAY['bc_done', 'bc_gone', 'bc_live']) b, generate_series(1, 3) i`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := store.Migrate(ctx, url, io.Discard); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"bc_done": 0, "bc_gone": 0, "bc_live": 3} {
		if n := deferrals(t, db, id); n != want {
			t.Errorf("%s has %d deferrals after the migration, want %d", id, n, want)
		}
	}
}

func deferrals(t *testing.T, db *pgxpool.Pool, broadcastID string) int {
	t.Helper()
	var n int
	err := db.QueryRow(context.Background(), `SELECT count(*) FROM broadcast_deferrals WHERE workspace_id = 'ws_a' AND broadcast_id = $1`, broadcastID).Scan(&n)
	mustNot(t, err)
	return n
}

// migratedBefore is an empty database migrated up to just before the one
// migration matching pattern, and a pool on it.
func migratedBefore(t *testing.T, pattern string) (string, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	names, err := fs.Glob(schemas.Migrations, pattern)
	if err != nil || len(names) != 1 {
		t.Fatalf("migration %s: %v %v", pattern, names, err)
	}
	version, err := goose.NumericComponent(names[0])
	mustNot(t, err)
	url := pgtest.EmptyURL(t)
	cfg, err := pgx.ParseConfig(url)
	mustNot(t, err)
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	migrations, err := fs.Sub(schemas.Migrations, "migrations")
	mustNot(t, err)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations, goose.WithDisableGlobalRegistry(true))
	mustNot(t, err)
	_, err = p.UpTo(ctx, version-1)
	mustNot(t, err)
	db, err := pgxpool.New(ctx, url)
	mustNot(t, err)
	t.Cleanup(db.Close)
	return url, db
}
