// Package pgtest gives tests real Postgres databases, as net/http/httptest
// gives them real servers. A package that uses it says so once:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and each test then takes a fresh, migrated database with URL or Store.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/localpg"
	"github.com/tabiji/tabiji/schemas"
	"github.com/tabiji/tabiji/store"
)

// EnvURL names the variable that points tests at a Postgres server. Its
// database is only connected to: tests get databases of their own beside it,
// so its user needs CREATEDB.
const EnvURL = "TABIJI_TEST_DATABASE_URL"

const (
	startTimeout = 2 * time.Minute
	opTimeout    = time.Minute
	// templateLock serialises making the template across test binaries (pg_advisory_lock key).
	templateLock = 0x7461_6269_6a69_7467 // "tabijitg"
)

// Main runs the package's tests with a Postgres server: the one EnvURL
// names, or else a private ephemeral cluster in a temporary directory,
// stopped when the tests end. Without PostgreSQL binaries it prints
// localpg.ErrNoPostgres and returns 1: the tests fail, they never skip.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	c, cleanup, err := startCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer cleanup()
	if err := os.Setenv(EnvURL, c.URL()); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer os.Unsetenv(EnvURL) //nolint:errcheck // the process exits next; only an invalid name fails
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		code = max(code, 1)
	}
	return code
}

func startCluster() (*localpg.Cluster, func(), error) {
	dir, err := os.MkdirTemp("", "tabiji-pgtest-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	// MkdirTemp makes it 0700; as root the cluster runs as user postgres, which must pass through.
	if err := os.Chmod(dir, 0o711); err != nil { //nolint:gosec // G302: see above
		cleanup()
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := localpg.Start(ctx, localpg.Options{DataDir: filepath.Join(dir, "pg"), Ephemeral: true})
	if errors.Is(err, localpg.ErrNoPostgres) {
		err = localpg.ErrNoPostgres // its message alone says what to do
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return c, cleanup, nil
}

// URL creates a fresh database for this test from a migrated template and
// returns its URL. The database is dropped when the test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	return create(tb, true)
}

// EmptyURL is URL for a database without Tabiji's schema: what `tabiji
// migrate` meets on a new server.
func EmptyURL(tb testing.TB) string {
	tb.Helper()
	return create(tb, false)
}

// Store opens a store.Store on URL(tb), closed when the test ends.
func Store(tb testing.TB) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	s, err := store.Open(ctx, URL(tb))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

func create(tb testing.TB, migrated bool) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Fatalf("pgtest: %s is not set: give this package func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }", EnvURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))

	template := "template0"
	if migrated {
		if template, err = ensureTemplate(ctx, admin, base); err != nil {
			tb.Fatalf("pgtest: %v", err)
		}
	}
	name := "t_" + strings.ToLower(rand.Text())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() { drop(tb, base, name) })
	return withDatabase(base, name)
}

func drop(tb testing.TB, base, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err == nil {
		_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(ctx)
	}
	if err != nil {
		tb.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

// ensureTemplate returns the name of a template database with every
// embedded migration applied, making it once per server and migration set.
// A template is complete when it is marked IS_TEMPLATE; one left unmarked by
// an interrupted run is made again. No connection to it stays open, as
// CREATE DATABASE … TEMPLATE requires.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	ready := func() (bool, error) {
		var isTemplate bool
		err := admin.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return isTemplate, err
	}
	if ok, err := ready(); ok || err != nil {
		return name, err
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(templateLock)); err != nil {
		return "", fmt.Errorf("lock the template: %w", err)
	}
	// Closing admin (the caller's defer) releases the lock too, should the unlock fail.
	defer admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(templateLock)) //nolint:errcheck // see above
	if ok, err := ready(); ok || err != nil {
		return name, err
	}
	steps := []string{
		"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)",
		"CREATE DATABASE " + name + " TEMPLATE template0",
	}
	for _, sql := range steps {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return "", fmt.Errorf("make the template: %s: %w", sql, err)
		}
	}
	if _, err := store.Migrate(ctx, withDatabase(base, name), io.Discard); err != nil {
		return "", fmt.Errorf("migrate the template: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" IS_TEMPLATE true"); err != nil {
		return "", fmt.Errorf("mark the template: %w", err)
	}
	return name, nil
}

// templateName changes with the migrations, so that a server shared by
// checkouts of different versions keeps one template for each.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(schemas.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(schemas.Migrations, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash the migrations: %w", err)
	}
	return "tabiji_template_" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// withDatabase returns base pointing at another database; base is a URL or
// a keyword/value string.
func withDatabase(base, database string) string {
	if u, err := url.Parse(base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + database
		q := u.Query()
		q.Del("dbname")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " dbname=" + database // the last setting of a keyword wins
}
