package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
)

func TestConsolePages(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: noVisibility{b.signals}, PasswordParams: cheapHashes})
	admin, _ := b.keys(t, "w")
	b.person(t, "w", "ann@example.com", "owner")
	session := sessionFrom(t, b.login(t, "ann@example.com", testPassword, "/ui/")).Value
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
	t.Run("TheSearchAPIFindsTheSameAndNamesAMissingQuery", func(t *testing.T) {
		for q, want := range map[string]string{"u1": "u1", "U1@Example.JP": "u1", "090-1234-5678": "u2", "%2B819012345678": "u2"} {
			code, body := b.do(t, "GET", "/v1/profiles?q="+q, admin, "")
			var got struct{ Profiles []struct{ ID string } }
			if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || len(got.Profiles) != 1 || got.Profiles[0].ID != want {
				t.Errorf("GET /v1/profiles?q=%s = %d %s, want just %s", q, code, body, want)
			}
		}
		for _, q := range []string{"", "%20", strings.Repeat("x", 321)} {
			if code, body := b.do(t, "GET", "/v1/profiles?q="+q, admin, ""); code != http.StatusBadRequest || !strings.Contains(body, `"field":"q"`) {
				t.Errorf("q=%.10q: %d %s, want 400 naming q", q, code, body)
			}
		}
	})
	t.Run("HomeShowsThePeriodAndExportsItAsCSV", func(t *testing.T) {
		day := time.Now().UTC().AddDate(0, 0, -1)
		for i, user := range []string{"u1", "u1", "u2"} {
			_, _, err := b.store.InsertEvent(ctx, store.Event{WorkspaceID: "w", MessageID: "buy" + strconv.Itoa(i), UserID: user, Name: "purchase",
				Properties: json.RawMessage(`{"revenue": 10}`), Timestamp: day})
			if err != nil {
				t.Fatal(err)
			}
		}
		body := get(t, "/ui/")
		for _, want := range []string{`id="m-sent"`, `id="m-repeat-rate"`, `id="csv-link"`} {
			if !strings.Contains(body, want) {
				t.Errorf("home lacks %s", want)
			}
		}
		if !strings.Contains(body, "50.00%") { // u1 of u1 and u2 bought twice
			t.Errorf("home does not show the repeat-purchase rate of 50%%:\n%s", body)
		}
		csv := b.uiRequest(t, "GET", "/ui/home.csv", session, nil)
		if csv.Code != 200 || !strings.HasPrefix(csv.Header().Get("Content-Type"), "text/csv") || !strings.Contains(csv.Body.String(), ",0.5,0\n") {
			t.Errorf("CSV: %d %s %s", csv.Code, csv.Header().Get("Content-Type"), csv.Body.String())
		}
		if month := get(t, "/ui/report?month=2026-11"); !strings.Contains(month, `id="print"`) || !strings.Contains(month, "print.css") {
			t.Errorf("the monthly report is not ready to print")
		}
		for _, path := range []string{"/ui/report?month=11-2026", "/ui/?from=2026-12-05&to=2026-12-01", "/ui/?from=yesterday"} {
			if rec := b.uiRequest(t, "GET", path, session, nil); rec.Code != http.StatusBadRequest {
				t.Errorf("%s = %d, want 400", path, rec.Code)
			}
		}
	})
	t.Run("TheDashboardAPINeedsAPeriod", func(t *testing.T) {
		code, body := b.do(t, "GET", "/v1/kpis/dashboard?to=2026-12-01", admin, "")
		if code != http.StatusBadRequest || !strings.Contains(body, `"from"`) {
			t.Errorf("no from: %d %s", code, body)
		}
		from := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
		code, body = b.do(t, "GET", "/v1/kpis/dashboard?from="+from+"&to="+time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)+"&tz=UTC", admin, "")
		var d store.Dashboard
		if code != http.StatusOK || json.Unmarshal([]byte(body), &d) != nil || d.Current.Totals.Buyers != 2 || d.Current.Totals.RepeatPurchaseRate != 0.5 {
			t.Errorf("dashboard: %d %s", code, body)
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
