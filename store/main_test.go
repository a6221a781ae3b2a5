package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testBundle is a store on a fresh migrated database with two workspaces,
// and a pool on the same database to look behind the store.
type testBundle struct {
	store *store.Store
	db    *pgxpool.Pool
}

const (
	wsA = "ws_a"
	wsB = "ws_b"
)

func setup(t *testing.T) *testBundle { return setupTB(t) }

// setupB is setup for benchmarks.
func setupB(b *testing.B) *testBundle { return setupTB(b) }

func setupTB(t testing.TB) *testBundle {
	t.Helper()
	url := pgtest.URL(t)
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	for _, ws := range []string{wsA, wsB} {
		if err := s.EnsureWorkspace(context.Background(), ws, "Workspace "+ws); err != nil {
			t.Fatal(err)
		}
	}
	return &testBundle{store: s, db: db}
}

func mustNot(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
