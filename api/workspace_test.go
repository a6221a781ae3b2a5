package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/tabiji/tabiji/locale"
)

func TestWorkspaceSettingsAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, write := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	read := func(t *testing.T, body string) workspaceBody {
		t.Helper()
		var w workspaceBody
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			t.Fatalf("not a workspace: %s", body)
		}
		return w
	}

	t.Run("AnExistingWorkspaceKeepsTodaysDefaults", func(t *testing.T) {
		status, body := b.do(t, "GET", "/v1/workspace", admin, "")
		want := workspaceBody{ID: "w", Settings: locale.Settings{Timezone: "UTC", Locale: "en", Currency: "USD"}}
		if status != http.StatusOK || read(t, body) != want {
			t.Errorf("GET = %d %s, want %+v", status, body, want)
		}
	})

	t.Run("PatchChangesTheFieldsGivenAndKeepsTheOthers", func(t *testing.T) {
		status, body := b.do(t, "PATCH", "/v1/workspace", admin, `{"timezone":"Asia/Tokyo","locale":"ja"}`)
		want := workspaceBody{ID: "w", Settings: locale.Settings{Timezone: "Asia/Tokyo", Locale: "ja", Currency: "USD"}}
		if status != http.StatusOK || read(t, body) != want {
			t.Fatalf("PATCH = %d %s, want %+v", status, body, want)
		}
		b.do(t, "PATCH", "/v1/workspace", admin, `{"currency":"JPY"}`)
		_, body = b.do(t, "GET", "/v1/workspace", admin, "")
		want.Currency = "JPY"
		if got := read(t, body); got != want {
			t.Errorf("GET after PATCH = %+v, want %+v", got, want)
		}
		if _, body := b.do(t, "GET", "/v1/workspace/timezone", admin, ""); body != `{"timezone":"Asia/Tokyo"}` {
			t.Errorf("the statistics' zone = %s, want the workspace's", body)
		}
	})

	t.Run("BadValuesAre422NamingEachField", func(t *testing.T) {
		for body, fields := range map[string][]string{
			`{"timezone":"Mars/Olympus"}`:                          {"timezone"},
			`{"timezone":"Local"}`:                                 {"timezone"},
			`{"timezone":""}`:                                      {"timezone"},
			`{"timezone":"../../etc/passwd"}`:                      {"timezone"},
			`{"locale":"fr"}`:                                      {"locale"},
			`{"locale":"ja-JP"}`:                                   {"locale"},
			`{"currency":"jpy"}`:                                   {"currency"},
			`{"currency":"ZZZ"}`:                                   {"currency"},
			`{"timezone":"x","locale":"","currency":"yen"}`:        {"timezone", "locale", "currency"},
			`{"timezone":"Asia/Tokyo","locale":"ja","currency":1}`: {"currency"},
		} {
			status, resp := b.do(t, "PATCH", "/v1/workspace", admin, body)
			if status/100 != 4 || !slices.Equal(problemFieldsOf(t, resp), fields) {
				t.Errorf("PATCH %s = %d %s, want a 4xx naming %v", body, status, resp, fields)
			}
		}
		_, body := b.do(t, "GET", "/v1/workspace", admin, "")
		if got := read(t, body); got.Timezone != "Asia/Tokyo" || got.Locale != "ja" || got.Currency != "JPY" {
			t.Errorf("a refused PATCH changed the settings: %+v", got)
		}
	})

	t.Run("UnknownFieldsAndWriteKeysAreRefused", func(t *testing.T) {
		if status, _ := b.do(t, "PATCH", "/v1/workspace", admin, `{"tz":"Asia/Tokyo"}`); status != http.StatusBadRequest {
			t.Errorf("unknown field = %d, want 400", status)
		}
		if status, _ := b.do(t, "PATCH", "/v1/workspace", write, `{"locale":"en"}`); status != http.StatusForbidden && status != http.StatusUnauthorized {
			t.Errorf("write key = %d, want 401 or 403", status)
		}
	})
}
