package pgtest_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestURL(t *testing.T) {
	ctx := context.Background()

	t.Run("GivesEachTestADatabaseOfItsOwnWithTheSchema", func(t *testing.T) {
		a, b := pgtest.URL(t), pgtest.URL(t)
		if dbName(t, a) == dbName(t, b) {
			t.Fatalf("two calls gave one database: %s", a)
		}
		for _, u := range []string{a, b} {
			s, err := store.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CheckSchema(ctx); err != nil {
				t.Errorf("CheckSchema on %s: %v", dbName(t, u), err)
			}
			s.Close()
		}
		exec(t, a, "CREATE TABLE only_in_a (x int)")
		var exists bool
		if err := connect(t, b).QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&exists); err != nil || exists {
			t.Errorf("a table made in one test database shows in another (%v)", err)
		}
	})

	t.Run("DropsTheDatabaseWhenTheTestEnds", func(t *testing.T) {
		var name string
		t.Run("inner", func(t *testing.T) { name = dbName(t, pgtest.URL(t)) })
		if n := countDatabases(t, name); n != 0 {
			t.Errorf("database %s still exists after its test", name)
		}
	})

	t.Run("LeavesNoConnectionToTheTemplate", func(t *testing.T) {
		pgtest.URL(t)
		var n int
		err := connect(t, os.Getenv(pgtest.EnvURL)).QueryRow(ctx,
			"SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'tabiji_template_%'").Scan(&n)
		if err != nil || n != 0 {
			t.Errorf("%d connections to the template (%v)", n, err)
		}
		if countDatabases(t, "tabiji_template_%") != 1 {
			t.Errorf("want exactly one template database")
		}
	})

	t.Run("ServesTestsRunningInParallel", func(t *testing.T) {
		for i := range 4 {
			t.Run(string(rune('a'+i)), func(t *testing.T) {
				t.Parallel()
				exec(t, pgtest.URL(t), "INSERT INTO workspaces (id, name) VALUES ('ws', 'parallel')")
			})
		}
	})
}

func TestEmptyURL(t *testing.T) {
	t.Run("GivesADatabaseWithoutTheSchema", func(t *testing.T) {
		s, err := store.Open(context.Background(), pgtest.EmptyURL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.CheckSchema(context.Background()); !errors.Is(err, store.ErrSchemaBehind) {
			t.Errorf("CheckSchema = %v, want ErrSchemaBehind", err)
		}
	})
}

func TestStore(t *testing.T) {
	t.Run("OpensAStoreClosedWhenTheTestEnds", func(t *testing.T) {
		var s *store.Store
		t.Run("inner", func(t *testing.T) {
			s = pgtest.Store(t)
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := s.EnsureWorkspace(context.Background(), "ws", "Workspace"); err != nil {
				t.Fatal(err)
			}
		})
		if err := s.Ping(context.Background()); err == nil {
			t.Error("the store still answers after its test")
		}
	})
}

func dbName(t *testing.T, raw string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(raw) // a URL or, from a keyword/value TABIJI_TEST_DATABASE_URL, a keyword/value string
	if err != nil {
		t.Fatal(err)
	}
	name := cfg.Database
	if !strings.HasPrefix(name, "t_") {
		t.Errorf("database %q is not named t_<random>", name)
	}
	return name
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func countDatabases(t *testing.T, pattern string) int {
	t.Helper()
	var n int
	if err := connect(t, os.Getenv(pgtest.EnvURL)).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_database WHERE datname LIKE $1", pattern).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
