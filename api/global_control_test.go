package api

import (
	"strings"
	"testing"
)

func TestGlobalControlAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	other, _ := b.keys(t, "other")
	admin["Content-Type"] = "application/json"
	if status, body := b.do(t, "GET", "/v1/global-control", admin, ""); status != 200 || body != `{"percent":0}` {
		t.Fatalf("before any PUT: %d %s", status, body)
	}
	if status, body := b.do(t, "PUT", "/v1/global-control", admin, `{"percent":2.5}`); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	if _, body := b.do(t, "GET", "/v1/global-control", admin, ""); body != `{"percent":2.5}` {
		t.Errorf("after PUT: %s", body)
	}
	if _, body := b.do(t, "GET", "/v1/global-control", other, ""); body != `{"percent":0}` {
		t.Errorf("another workspace sees %s", body)
	}
	for _, bad := range []string{`{"percent":100}`, `{"percent":-1}`, `{"percent":1.234}`, `{}`} {
		status, body := b.do(t, "PUT", "/v1/global-control", admin, bad)
		if status < 400 || status >= 500 || !strings.Contains(body, `"field":"percent"`) {
			t.Errorf("PUT %s: %d %s, want a 4xx naming percent", bad, status, body)
		}
	}
}
