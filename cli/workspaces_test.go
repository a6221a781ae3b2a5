package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// TestWorkspacesCommands: a workspace is made with its zone, language and
// currency, changed with update, listed with them; bad flags name the flag
// and change nothing.
func TestWorkspacesCommands(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	db := func(args ...string) (string, error) {
		out, errOut, err := run(t, append(args, "--database-url", dbURL)...)
		return out + errOut, err
	}
	settings := func(id string) locale.Settings {
		t.Helper()
		set, err := st.WorkspaceSettings(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}

	t.Run("CreateTakesTheSettings", func(t *testing.T) {
		if out, err := db("workspaces", "create", "acme", "--timezone", "Asia/Tokyo", "--locale", "ja", "--currency", "JPY"); err != nil {
			t.Fatalf("create: %v\n%s", err, out)
		}
		if got, want := settings("acme"), (locale.Settings{Timezone: "Asia/Tokyo", Locale: "ja", Currency: "JPY"}); got != want {
			t.Errorf("settings = %+v, want %+v", got, want)
		}
	})
	t.Run("AJapaneseWorkspaceDefaultsToJapansZoneAndYen", func(t *testing.T) {
		if out, err := db("workspaces", "create", "shop", "--locale", "ja"); err != nil {
			t.Fatalf("create: %v\n%s", err, out)
		}
		if got, want := settings("shop"), (locale.Settings{Timezone: "Asia/Tokyo", Locale: "ja", Currency: "JPY"}); got != want {
			t.Errorf("settings = %+v, want %+v", got, want)
		}
		if out, _ := db("workspaces", "create", "plain"); !strings.Contains(out, "(UTC, en, USD)") {
			t.Errorf("a workspace with no settings = %s, want UTC, en, USD", out)
		}
	})
	t.Run("UpdateChangesOnlyTheSettingsGiven", func(t *testing.T) {
		if out, err := db("workspaces", "update", "acme", "--timezone", "America/New_York"); err != nil {
			t.Fatalf("update: %v\n%s", err, out)
		}
		if got, want := settings("acme"), (locale.Settings{Timezone: "America/New_York", Locale: "ja", Currency: "JPY"}); got != want {
			t.Errorf("settings = %+v, want %+v", got, want)
		}
		out, err := db("workspaces", "list")
		if err != nil || !strings.Contains(out, "TIMEZONE") || !strings.Contains(out, "America/New_York") {
			t.Errorf("list = %v\n%s", err, out)
		}
	})
	t.Run("BadFlagsNameTheFlagAndChangeNothing", func(t *testing.T) {
		for _, c := range []struct{ flag string }{{"--timezone=Mars/Olympus"}, {"--locale=fr"}, {"--currency=yen"}} {
			for _, cmd := range []string{"create", "update"} {
				out, err := db("workspaces", cmd, "acme", c.flag)
				name, _, _ := strings.Cut(c.flag, "=")
				if err == nil || !strings.Contains(err.Error(), name) {
					t.Errorf("workspaces %s %s = %v, want an error naming %s\n%s", cmd, c.flag, err, name, out)
				}
			}
		}
		if out, err := db("workspaces", "update", "acme"); err == nil {
			t.Errorf("update with no setting: no error\n%s", out)
		}
		if out, err := db("workspaces", "update", "nope", "--locale", "en"); err == nil || !strings.Contains(err.Error(), "no workspace nope") {
			t.Errorf("update of a missing workspace = %v\n%s", err, out)
		}
		if got := settings("acme"); got.Timezone != "America/New_York" || got.Locale != "ja" {
			t.Errorf("a refused command changed the settings: %+v", got)
		}
	})
}
