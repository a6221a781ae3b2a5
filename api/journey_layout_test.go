package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestJourneyLayoutEndpoints stores and reads a version's positions, and
// answers every bad request as a problem naming its field.
func TestJourneyLayoutEndpoints(t *testing.T) {
	b := setupWebhooks(t)
	ctx := context.Background()
	key, _, err := b.store.CreateKey(ctx, "w", store.RoleAdmin, "layout test")
	if err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
	def := `{"entry":{"event":"signup"},"nodes":[{"id":"done","kind":"exit"}]}`
	if code, body := b.do(t, "POST", "/v1/journeys", admin, `{"id":"j","name":"J","definition":`+def+`}`); code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	var got layoutBody
	code, body := b.do(t, "GET", "/v1/journeys/j/layout", admin, "")
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || got.Version != 0 || len(got.Nodes) != 0 {
		t.Errorf("a journey without a layout = %d %s", code, body)
	}
	code, body = b.do(t, "PUT", "/v1/journeys/j/layout", admin, `{"version":1,"nodes":{"done":{"x":12.5,"y":-40}}}`)
	if code != http.StatusOK {
		t.Fatalf("put = %d %s", code, body)
	}
	code, body = b.do(t, "GET", "/v1/journeys/j/layout?version=1", admin, "")
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || got.Version != 1 || got.Nodes["done"].X != 12.5 || got.Nodes["done"].Y != -40 {
		t.Errorf("the stored layout = %d %s", code, body)
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"PUT", "/v1/journeys/j/layout", `{"nodes":{}}`, http.StatusBadRequest, "version"},
		{"PUT", "/v1/journeys/j/layout", `{"version":1,"nodes":{"9x":{"x":1,"y":1}}}`, http.StatusUnprocessableEntity, "nodes.9x"},
		{"PUT", "/v1/journeys/j/layout", `{"version":1,"nodes":{"a":{"x":1e9,"y":1}}}`, http.StatusUnprocessableEntity, "nodes.a"},
		{"PUT", "/v1/journeys/j/layout", `{"version":1,"nodes":{"a":{"x":"far"}}}`, http.StatusBadRequest, "nodes.x"},
		{"PUT", "/v1/journeys/j/layout", `{"version":1,"positions":{}}`, http.StatusBadRequest, "positions"},
		{"PUT", "/v1/journeys/j/layout", `{"version":2,"nodes":{}}`, http.StatusNotFound, ""},
		{"PUT", "/v1/journeys/nope/layout", `{"version":1,"nodes":{}}`, http.StatusNotFound, ""},
		{"GET", "/v1/journeys/nope/layout", "", http.StatusNotFound, ""},
		{"GET", "/v1/journeys/j/layout?version=zero", "", http.StatusBadRequest, "version"},
	} {
		code, body := b.do(t, c.method, c.path, admin, c.body)
		if code != c.status || !strings.Contains(body, `"field":"`+c.field) && c.field != "" {
			t.Errorf("%s %s %s = %d %s, want %d naming %q", c.method, c.path, c.body, code, body, c.status, c.field)
		}
	}
}
