package tests

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// cliTarget is what a CLI test runs the tabiji command against, in this
// process: a fresh migrated database, its store, and an API on it.
type cliTarget struct {
	dbURL string
	store *store.Store
	api   *httptest.Server
}

// cliStack opens a fresh database and an API on it for a CLI test; both
// close when the test ends.
func cliStack(t *testing.T) *cliTarget {
	t.Helper()
	dbURL := pgtest.URL(t)
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	srv := httptest.NewServer(api.NewServer(api.Deps{Store: st}))
	t.Cleanup(srv.Close)
	return &cliTarget{dbURL: dbURL, store: st, api: srv}
}

// workspace makes the workspace id named name.
func (c *cliTarget) workspace(t *testing.T, id, name string) {
	t.Helper()
	if err := c.store.EnsureWorkspace(context.Background(), id, name); err != nil {
		t.Fatal(err)
	}
}

// adminKey makes an admin key of the workspace and returns its secret.
func (c *cliTarget) adminKey(t *testing.T, workspace string) string {
	t.Helper()
	secret, _, err := c.store.CreateKey(context.Background(), workspace, store.RoleAdmin, "cli test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// onDB runs the tabiji command on the database (--database-url).
func (c *cliTarget) onDB(args ...string) (string, error) {
	return runTabiji(append(args, "--database-url", c.dbURL)...)
}

// onAPI runs the tabiji command against the API with the admin key
// (--api-url, --admin-key).
func (c *cliTarget) onAPI(key string, args ...string) (string, error) {
	return runTabiji(append(args, "--api-url", c.api.URL, "--admin-key", key)...)
}
