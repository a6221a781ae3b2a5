package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONBodiesWithNULAreRefused: Postgres text and jsonb cannot hold
// NUL, so a \u0000 in a management body is a 400 naming the body (as in
// ingestion), never the 500 the store's error made of it.
func TestJSONBodiesWithNULAreRefused(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v1/profiles/import", `{"as_of":"2026-11-01T00:00:00Z","rows":[{"line":1,"id":"a\u0000","traits":{}}]}`},
		{"PUT", "/v1/taxonomy/events/ok", `{"description":"a\u0000"}`},
		{"PUT", "/v1/taxonomy/user-properties/plan", `{"type":"string","description":"\u0000"}`},
		{"PUT", "/v1/workspace/timezone", `{"timezone":"Asia/Tokyo\u0000"}`},
	} {
		status, body := b.do(t, c.method, c.path, admin, c.body)
		if status != http.StatusBadRequest || !strings.Contains(body, `"field":"body"`) || !strings.Contains(body, "NUL") {
			t.Errorf("%s %s = %d %s, want 400 naming the body", c.method, c.path, status, body)
		}
	}
}
