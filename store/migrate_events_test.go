package store_test

import (
	"context"
	"database/sql"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/schemas"
	"github.com/tabiji/tabiji/store"
)

// TestMigration00002KeepsTheEvents: the rows of 00001's events table move
// into the partitioned table, with their routing state, and stay findable.
func TestMigration00002KeepsTheEvents(t *testing.T) {
	ctx := context.Background()
	url := pgtest.EmptyURL(t)
	cfg, err := pgx.ParseConfig(url)
	mustNot(t, err)
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	migrations, err := fs.Sub(schemas.Migrations, "migrations")
	mustNot(t, err)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations, goose.WithDisableGlobalRegistry(true))
	mustNot(t, err)
	_, err = p.UpTo(ctx, 1)
	mustNot(t, err)
	old := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	exec(t, db, `INSERT INTO events (workspace_id, message_id, user_id, event, properties, timestamp, received_at, routed_at)
		VALUES ('w', 'routed', 'u', 'purchase', '{"total": 5}', $1, $1, $1),
		       ('w', 'unrouted', 'u', 'cart_add', '{}', $1, now(), NULL)`, old)

	_, err = store.Migrate(ctx, url, io.Discard)
	mustNot(t, err)
	s, err := store.Open(ctx, url)
	mustNot(t, err)
	defer s.Close()
	routed, err := s.GetEvent(ctx, "w", "routed")
	mustNot(t, err)
	if routed.Name != "purchase" || routed.RoutedAt == nil || !routed.ReceivedAt.Equal(old) || string(routed.Properties) != `{"total": 5}` {
		t.Errorf("routed event after 00002 = %+v", routed)
	}
	if u, err := s.UnroutedEvents(ctx, time.Now().Add(time.Minute), 10); err != nil || len(u) != 1 || u[0].MessageID != "unrouted" {
		t.Errorf("unrouted after 00002 = %+v, %v", u, err)
	}
	var partition string
	mustNot(t, db.QueryRowContext(ctx, `SELECT tableoid::regclass::text FROM events WHERE message_id = 'routed'`).Scan(&partition))
	if partition != "events_2025_03" {
		t.Errorf("the old month's row is in %s", partition)
	}
	// Down and up again: 00002 is reversible.
	_, err = p.DownTo(ctx, 1)
	mustNot(t, err)
	var n int
	mustNot(t, db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE routed_at IS NOT NULL`).Scan(&n))
	if n != 1 {
		t.Errorf("after down, %d routed events, want 1", n)
	}
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}
