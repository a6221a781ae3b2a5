package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestTemplatesSpeakTheWorkspacesLanguage: a ja workspace lists the
// library in Japanese; an explicit locale overrides it; an unknown one is
// a 422 naming locale (launching in Japanese runs on the real stack:
// tests/japanese_test.go).
func TestTemplatesSpeakTheWorkspacesLanguage(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	if status, body := b.do(t, "PATCH", "/v1/workspace", admin, `{"locale":"ja"}`); status != http.StatusOK {
		t.Fatalf("PATCH = %d %s", status, body)
	}
	t.Run("TheLibraryReadsInJapanese", func(t *testing.T) {
		status, body := b.do(t, "GET", "/v1/journey-templates", admin, "")
		if status != http.StatusOK || !strings.Contains(body, "カゴ落ちフォロー") {
			t.Errorf("list = %d, want Japanese titles: %.300s", status, body)
		}
		if _, body := b.do(t, "GET", "/v1/journey-templates/cart-abandonment?locale=en", admin, ""); !strings.Contains(body, `"title":"Cart abandonment"`) {
			t.Errorf("?locale=en = %.300s", body)
		}
	})
	t.Run("AnUnknownLocaleIs422", func(t *testing.T) {
		for _, req := range []string{`{"id":"x","locale":"fr"}`, `{"id":"x","locale":"ja-JP"}`} {
			status, body := b.do(t, "POST", "/v1/journey-templates/cart-abandonment/launch", admin, req)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"locale"`) {
				t.Errorf("%s = %d %s", req, status, body)
			}
		}
		if status, body := b.do(t, "GET", "/v1/journey-templates?locale=xx", admin, ""); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"locale"`) {
			t.Errorf("?locale=xx = %d %s", status, body)
		}
	})
}
