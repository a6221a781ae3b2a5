package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/taxonomy"
)

type recentAnswer struct {
	Calls []struct {
		recentCallResponse
		Payload json.RawMessage `json:"payload"`
	} `json:"calls"`
	Cursor string `json:"cursor"`
}

// TestEventDebuggerAPI: every call sent to the tracking API, stored or
// not, shows in GET /v1/events/recent with its verdict and reason, newest
// first, and ?after= answers only the newer ones; a body that does not
// decode shows as rejected with what was sent; a bad cursor is a 400
// naming the field.
func TestEventDebuggerAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, write := b.keys(t, "w")
	err := b.store.ReplaceTaxonomy(context.Background(), "w", &taxonomy.Taxonomy{Events: []taxonomy.EventDef{
		{Name: "held_order", OnInvalid: taxonomy.Quarantine, Properties: []taxonomy.PropertyDef{{Name: "total", Type: taxonomy.Number, Required: true}}},
		{Name: "old_thing", Status: taxonomy.Blocked},
	}})
	if err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, query string) recentAnswer {
		t.Helper()
		code, body := b.do(t, http.MethodGet, "/v1/events/recent"+query, admin, "")
		if code != http.StatusOK {
			t.Fatalf("GET = %d %s", code, body)
		}
		var a recentAnswer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := read(t, "")
	if len(first.Calls) != 0 || first.Cursor != "0" {
		t.Fatalf("before any call: %+v", first)
	}
	for _, call := range []struct{ path, body string }{
		{"/v1/track", `{"userId":"u1","event":"Signed Up","messageId":"s1","context":{"library":{"name":"analytics.js","version":"5.0"}}}`},
		{"/v1/track", `{"userId":"u1","event":"Signed Up","messageId":"s1"}`},
		{"/v1/batch", `{"batch":[{"type":"track","userId":"u2","event":"held_order","messageId":"q1"},` +
			`{"type":"track","userId":"u2","event":"old_thing","messageId":"d1"},{"type":"track","event":"x","messageId":"r1"}]}`},
		{"/v1/track", `{"userId":"u3", "event":`},
	} {
		b.do(t, http.MethodPost, call.path, write, call.body)
	}
	got := read(t, "?after="+first.Cursor)
	var seen []string
	for _, c := range got.Calls {
		seen = append(seen, c.MessageID+"="+c.Verdict)
	}
	if want := "=rejected r1=rejected d1=dropped q1=quarantined s1=duplicate s1=stored"; strings.Join(seen, " ") != want {
		t.Fatalf("calls = %s, want %s", strings.Join(seen, " "), want)
	}
	bad, r1, stored := got.Calls[0], got.Calls[1], got.Calls[5]
	if !strings.Contains(bad.Reason, "body") || !strings.Contains(string(bad.Payload), `\"userId\":\"u3\"`) {
		t.Errorf("the undecodable call: %+v", bad)
	}
	if !strings.HasPrefix(r1.Reason, "batch[2].") || stored.Library != "analytics.js 5.0" || stored.Source == nil || stored.Source.Name != "write" {
		t.Errorf("reason %q; stored call's library %q and source %+v", r1.Reason, stored.Library, stored.Source)
	}
	if !strings.Contains(string(stored.Payload), `"Signed Up"`) {
		t.Errorf("stored payload %s", stored.Payload)
	}
	newer := read(t, "?after="+got.Cursor)
	if len(newer.Calls) != 0 || newer.Cursor != got.Cursor {
		t.Errorf("after the newest: %+v", newer)
	}
	if two := read(t, "?limit=2"); len(two.Calls) != 2 || two.Calls[0].Verdict != "rejected" {
		t.Errorf("limit 2: %+v", two)
	}
	code, body := b.do(t, http.MethodGet, "/v1/events/recent?after=yesterday", admin, "")
	if code != http.StatusBadRequest || !strings.Contains(body, `"field":"after"`) {
		t.Errorf("a bad cursor = %d %s", code, body)
	}
	analyst := b.sessionHeaders(t, "ana@example.com", "analyst", false)
	code, body = b.do(t, http.MethodGet, "/v1/events/recent?limit=1", analyst, "")
	if code != http.StatusOK || !strings.Contains(body, `"payload"`) {
		t.Errorf("an analyst (who reads profiles) = %d %s", code, body)
	}
}
