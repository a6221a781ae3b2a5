package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/schemas"
	"github.com/tabiji/tabiji/store"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	type testBundle struct {
		url   string
		store *store.Store
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		url := pgtest.EmptyURL(t)
		s, err := store.Open(ctx, url)
		mustNot(t, err)
		t.Cleanup(s.Close)
		return &testBundle{url: url, store: s}
	}
	// Versions may have gaps (a migration numbered for work that lands
	// later): count is how many there are, latest the highest version.
	files := mustGlob(t, "migrations/*.sql")
	count := len(files)
	var latest int
	if _, err := fmt.Sscanf(strings.TrimPrefix(files[count-1], "migrations/"), "%d_", &latest); err != nil {
		t.Fatalf("version of %s: %v", files[count-1], err)
	}

	t.Run("CheckSchemaTellsToRunTabijiMigrateOnAnEmptyDatabase", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		err := b.store.CheckSchema(ctx)
		if !errors.Is(err, store.ErrSchemaBehind) {
			t.Fatalf("CheckSchema = %v, want ErrSchemaBehind", err)
		}
		want := fmt.Sprintf("database schema is at version 0, this tabiji needs %d: run `tabiji migrate`", latest)
		if err.Error() != want {
			t.Errorf("CheckSchema error = %q, want %q", err, want)
		}
	})

	t.Run("CheckSchemaOnlyReads", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_ = b.store.CheckSchema(ctx)
		// Migrate would say "applied" for every migration if CheckSchema had
		// created goose's table and recorded anything; it must still find all pending.
		applied, err := store.Migrate(ctx, b.url, io.Discard)
		mustNot(t, err)
		if len(applied) != count {
			t.Errorf("Migrate after CheckSchema applied %v, want %d migrations", applied, count)
		}
	})

	t.Run("AppliesEveryMigrationThenNothingTheSecondTime", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var out bytes.Buffer
		applied, err := store.Migrate(ctx, b.url, &out)
		mustNot(t, err)
		if len(applied) != count || applied[0] != 1 || applied[len(applied)-1] != int64(latest) {
			t.Errorf("applied = %v, want %d migrations, 1..%d", applied, count, latest)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != count || !regexp.MustCompile(`^applied 00001_init\.sql \(\d+ms\)$`).MatchString(lines[0]) {
			t.Errorf("progress = %q, want one line per migration like \"applied 00001_init.sql (12ms)\"", out.String())
		}
		mustNot(t, b.store.CheckSchema(ctx))

		out.Reset()
		applied, err = store.Migrate(ctx, b.url, &out)
		mustNot(t, err)
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v", applied)
		}
		if want := fmt.Sprintf("schema is up to date at version %d\n", latest); out.String() != want {
			t.Errorf("second progress = %q, want %q", out.String(), want)
		}
	})

	t.Run("AppliesEachMigrationOnceWhenTwoProcessesMigrateAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			all []int64
		)
		for range 3 {
			wg.Go(func() {
				applied, err := store.Migrate(ctx, b.url, io.Discard)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				all = append(all, applied...)
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(all) != count {
			t.Errorf("applied in total %v, want each of %d migrations once", all, count)
		}
		mustNot(t, b.store.CheckSchema(ctx))
	})
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("NamesTheServerAndTheCauseButNotThePassword", func(t *testing.T) {
		t.Parallel()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		mustNot(t, err)
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		_, err = store.Open(ctx, "postgres://tabiji:s3cret-pw@"+addr+"/tabiji?sslmode=disable")
		want := "store: cannot reach Postgres at " + addr + "/tabiji: connection refused (is DATABASE_URL right?)"
		if err == nil || err.Error() != want {
			t.Errorf("Open = %v, want %q", err, want)
		}
	})

	t.Run("SaysWhenThePasswordIsWrongWithoutShowingIt", func(t *testing.T) {
		t.Parallel()
		u, err := url.Parse(pgtest.URL(t))
		mustNot(t, err)
		u.User = url.UserPassword(u.User.Username(), "not-the-password")
		_, err = store.Open(ctx, u.String())
		if err == nil || !strings.Contains(err.Error(), "password authentication failed") ||
			strings.Contains(err.Error(), "not-the-password") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open with a wrong password = %v", err)
		}
	})
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	names, err := fs.Glob(schemas.Migrations, pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("glob %s: %v, %v", pattern, names, err)
	}
	return names
}
