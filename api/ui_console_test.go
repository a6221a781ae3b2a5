package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

func TestConsolePages(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: noVisibility{b.signals}})
	admin, _ := b.keys(t, "w")
	session := sessionFrom(t, b.login(t, strings.TrimPrefix(admin["Authorization"], "Bearer "), "/ui/")).Value
	ctx := context.Background()
	if _, err := b.store.ChangeProfile(ctx, "w", "u2", store.ProfileChange{Set: map[string]any{"phone": "+81 90-1234-5678"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, path string) string {
		t.Helper()
		rec := b.uiRequest(t, "GET", path, session, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}

	t.Run("EveryPageHasTheNavigationInTheWorkspacesLanguage", func(t *testing.T) {
		for _, path := range []string{"/ui/", "/ui/journeys", "/ui/customers", "/ui/settings"} {
			body := get(t, path)
			for _, want := range []string{`<html lang="en">`, `id="nav-home"`, `id="nav-journeys"`, `id="nav-customers"`, `id="nav-settings"`, `aria-current="page"`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %s", path, want)
				}
			}
		}
		if _, err := b.store.UpdateWorkspaceSettings(ctx, "w", locale.Settings{Locale: "ja"}); err != nil {
			t.Fatal(err)
		}
		body := get(t, "/ui/settings")
		for _, want := range []string{`<html lang="ja">`, ">ホーム<", ">ジャーニー<", ">顧客<", ">設定<", `id="set-locale">日本語<`} {
			if !strings.Contains(body, want) {
				t.Errorf("the Japanese settings page lacks %s:\n%s", want, body)
			}
		}
	})
	t.Run("TheSearchFindsACustomerByIdEmailOrPhone", func(t *testing.T) {
		for q, want := range map[string]string{"u1": "u1", "U1@Example.JP": "u1", "090-1234-5678": "u2", "+819012345678": "u2"} {
			body := get(t, "/ui/customers?q="+strings.ReplaceAll(q, "+", "%2B"))
			if !strings.Contains(body, `data-customer="`+want+`"`) || strings.Count(body, "data-customer=") != 1 {
				t.Errorf("search %q does not list just %s:\n%s", q, want, body)
			}
		}
		if body := get(t, "/ui/customers?q=nobody"); !strings.Contains(body, `id="customers-none"`) {
			t.Errorf("an unknown customer is not said to be missing")
		}
	})
	t.Run("AnotherWorkspacesCustomerIsNotFound", func(t *testing.T) {
		if _, err := b.store.ChangeProfile(ctx, "other", "theirs", store.ProfileChange{Set: map[string]any{"email": "t@example.jp"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if body := get(t, "/ui/customers?q=t@example.jp"); strings.Contains(body, "theirs") {
			t.Errorf("the search lists another workspace's customer")
		}
	})
}
