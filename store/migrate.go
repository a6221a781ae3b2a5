package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tabiji/tabiji/schemas"
)

// versionTable is where goose records the applied migrations.
const versionTable = goose.DefaultTablename

// Migrate applies the pending embedded migrations to the database at
// databaseURL, each in its own transaction, under a Postgres advisory lock
// so that two processes migrating at once take turns. It writes one line per
// applied migration to progress, or one line saying the schema is up to date.
func Migrate(ctx context.Context, databaseURL string, progress io.Writer) (applied []int64, err error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: cannot parse the database URL: %w", rootCause(err))
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return nil, unreachable(cfg.Config, err)
	}
	p, err := newProvider(db)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied
	}
	for _, r := range results {
		applied = append(applied, r.Source.Version)
		fmt.Fprintf(progress, "applied %s (%dms)\n", path.Base(r.Source.Path), r.Duration.Milliseconds())
	}
	if err != nil {
		return applied, fmt.Errorf("store: unable to apply migrations: %w", err)
	}
	if len(results) == 0 {
		version, err := p.GetDBVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read the schema version: %w", err)
		}
		fmt.Fprintf(progress, "schema is up to date at version %d\n", version)
	}
	return applied, nil
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	migrations, err := fs.Sub(schemas.Migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: unable to open the embedded migrations: %w", err)
	}
	// Try the lock every second for five minutes: a migration run elsewhere holds it.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("store: unable to create the migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations,
		goose.WithSessionLocker(locker), goose.WithTableName(versionTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("store: unable to load the migrations: %w", err)
	}
	return p, nil
}

// schemaBehindError is ErrSchemaBehind with the one line that says what to do.
type schemaBehindError struct {
	have, want int64
	missing    []int64
}

func (e *schemaBehindError) Error() string {
	if e.have >= e.want { // applied out of order: a hole below the top
		return fmt.Sprintf("database schema lacks migration %s, this tabiji needs %d: run `tabiji migrate`",
			joinInts(e.missing), e.want)
	}
	return fmt.Sprintf("database schema is at version %d, this tabiji needs %d: run `tabiji migrate`", e.have, e.want)
}

func (e *schemaBehindError) Unwrap() error { return ErrSchemaBehind }

// CheckSchema returns nil when the database has every embedded migration,
// and otherwise an error wrapping ErrSchemaBehind that tells to run
// `tabiji migrate`. It only reads: it creates nothing, not even goose's table.
func (s *Store) CheckSchema(ctx context.Context) error {
	want, err := embeddedVersions()
	if err != nil {
		return err
	}
	have, err := s.appliedVersions(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	e := &schemaBehindError{want: want[len(want)-1]}
	for _, v := range want {
		if !slices.Contains(have, v) {
			e.missing = append(e.missing, v)
		}
	}
	if len(e.missing) == 0 {
		return nil
	}
	if len(have) > 0 {
		e.have = slices.Max(have)
	}
	return e
}

// appliedVersions lists the versions whose latest record in goose's table says applied.
func (s *Store) appliedVersions(ctx context.Context) ([]int64, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, versionTable).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT version_id FROM (
			SELECT DISTINCT ON (version_id) version_id, is_applied
			FROM `+versionTable+`
			ORDER BY version_id, id DESC
		) latest
		WHERE is_applied AND version_id > 0`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func embeddedVersions() ([]int64, error) {
	names, err := fs.Glob(schemas.Migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("store: no embedded migrations (%w)", err)
	}
	versions := make([]int64, 0, len(names))
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", name, err)
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions, nil
}

func joinInts(vs []int64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}
