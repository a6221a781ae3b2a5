package schemas_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/schemas"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestMigrationFiles(t *testing.T) {
	names, err := fs.Glob(schemas.Migrations, "migrations/*")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations embedded (%v)", err)
	}
	valid := regexp.MustCompile(`^migrations/(\d{5})_[a-z0-9_]+\.sql$`)
	for i, name := range names {
		m := valid.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("%s: want migrations/NNNNN_what.sql", name)
			continue
		}
		if want := fmt.Sprintf("%05d", i+1); m[1] != want {
			t.Errorf("%s: want version %s: versions run 1, 2, 3… without gaps", name, want)
		}
		b, err := fs.ReadFile(schemas.Migrations, name)
		if err != nil {
			t.Fatal(err)
		}
		first, _ := bufio.NewReader(strings.NewReader(string(b))).ReadString('\n')
		if strings.TrimSpace(first) != "-- +goose Up" || !strings.Contains(string(b), "\n-- +goose Down\n") {
			t.Errorf("%s: want a first line \"-- +goose Up\" and a \"-- +goose Down\" section", name)
		}
	}
}

// TestMigrationsGoDownAndUpAgain runs every Down section, which nothing else
// runs, and checks it leaves nothing behind for the Up sections to trip on.
func TestMigrationsGoDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	url := pgtest.EmptyURL(t)
	if _, err := store.Migrate(ctx, url, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	sub, err := fs.Sub(schemas.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	var left []string
	rows, err := db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1`, goose.DefaultTablename)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		left = append(left, name)
	}
	if len(left) != 0 {
		t.Errorf("tables left after going down: %v", left)
	}
	if _, err := store.Migrate(ctx, url, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
