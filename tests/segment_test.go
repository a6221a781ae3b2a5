package tests

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// writeKey is the header a Segment library sends: the write key as the
// HTTP Basic username, and a JSON body.
func writeKey(key string) map[string]string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(key, "")
	return map[string]string{"Authorization": req.Header.Get("Authorization"), "Content-Type": "application/json"}
}

func segmentExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../ingest/testdata/segment/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// segmentFields lists every field a problem body names.
func segmentFields(p map[string]any) []string {
	errs, _ := p["errors"].([]any)
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// TestSegmentConformance sends Segment's documented example payloads and
// the documented mistakes through the real API into real Postgres.
func TestSegmentConformance(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	get := func(id string) store.Event {
		t.Helper()
		e, err := s.store.GetEvent(ctx, "default", id)
		if err != nil {
			t.Fatalf("event %s: %v", id, err)
		}
		return e
	}

	t.Run("EveryCallsExampleIsStoredAsDocumented", func(t *testing.T) {
		for _, typ := range []string{"identify", "track", "page", "screen", "group", "alias"} {
			status, _, out := s.raw("POST", "/v1/"+typ, writeKey(s.write), segmentExample(t, typ))
			if status != http.StatusOK || out["success"] != true {
				t.Fatalf("%s = %d %v", typ, status, out)
			}
		}
		before := time.Now().Add(-time.Minute)
		tr := get("ajs-f8ca1e4de5024d9430b3928bd8ac6b96")
		if tr.Type != "track" || tr.Name != "Course Clicked" || tr.AnonymousID != "23adfd82-aa0f-45a7-a756-24f2a7a4c895" ||
			!strings.Contains(string(tr.Properties), "Intro to Analytics") || !strings.Contains(string(tr.Context), "108.0.78.21") ||
			tr.Timestamp.Before(before) {
			t.Errorf("track = %+v: want its fields and a skew-corrected (recent) timestamp", tr)
		}
		id := get("022bb90c-bbac-11e4-8dfc-aa07a5b093db")
		if id.Type != "identify" || id.UserID != "97980cfea0067" || !strings.Contains(string(id.Traits), "Peter Gibbons") {
			t.Errorf("identify = %+v", id)
		}
		for msg, want := range map[string]string{"-page": "Home", "-screen": "Home"} {
			if e := get("022bb90c-bbac-11e4-8dfc-aa07a5b093db" + msg); e.Name != want {
				t.Errorf("%s name = %q", msg, e.Name)
			}
		}
		if g := get("022bb90c-bbac-11e4-8dfc-aa07a5b093db-group"); g.GroupID != "0e8c78ea9d97a7b8185e8632" || !strings.Contains(string(g.Traits), "Initech") {
			t.Errorf("group = %+v", g)
		}
		if a := get("022bb90c-bbac-11e4-8dfc-aa07a5b093db-alias"); a.PreviousID != "39239-239239-239239-23923" || a.UserID != "507f191e81" {
			t.Errorf("alias = %+v", a)
		}
		p, err := s.store.GetProfile(ctx, "default", "97980cfea0067")
		if err != nil || p.Email != "peter@example.com" || p.Traits["plan"] != "premium" {
			t.Errorf("identify's profile = %+v, %v", p, err)
		}
	})

	t.Run("BatchExampleIsStoredWithItsContext", func(t *testing.T) {
		status, _, out := s.raw("POST", "/v1/batch", writeKey(s.write), segmentExample(t, "batch"))
		if status != http.StatusOK || out["success"] != true {
			t.Fatalf("batch = %d %v", status, out)
		}
		p, err := s.store.GetProfile(ctx, "default", "971mj8mk7p")
		if err != nil || p.Email != "cindy@example.com" {
			t.Fatalf("profile from the batch = %+v, %v", p, err)
		}
		evs, _, err := s.store.CustomerEvents(ctx, "default", "971mj8mk7p", store.TimelineFilter{})
		if err != nil || len(evs) != 2 || evs[0].Name != "Song Played" || !strings.Contains(string(evs[0].Context), "Apple iPhone 6") {
			t.Errorf("events from the batch = %+v, %v", evs, err)
		}
	})

	t.Run("ARepeatedMessageIdIsStoredOnce", func(t *testing.T) {
		body := `{"userId":"u_dup","event":"e","messageId":"dup-1"}`
		batch := `{"batch":[{"type":"track","userId":"u_dup","event":"e","messageId":"dup-1"},{"type":"track","userId":"u_dup","event":"e","messageId":"dup-1"}]}`
		for _, call := range [][2]string{{"/v1/track", body}, {"/v1/track", body}, {"/v1/batch", batch}} {
			if status, _, out := s.raw("POST", call[0], writeKey(s.write), call[1]); status != 200 {
				t.Fatalf("%s = %d %v", call[0], status, out)
			}
		}
		evs, _, _ := s.store.CustomerEvents(ctx, "default", "u_dup", store.TimelineFilter{})
		if len(evs) != 1 {
			t.Errorf("%d events stored for one messageId", len(evs))
		}
	})

	t.Run("ABatchStoresItsGoodCallsAndNamesEveryBadOne", func(t *testing.T) {
		batch := `{"batch":[
			{"type":"track","userId":"u_mixed","event":"ok","messageId":"mixed-0"},
			{"type":"track","event":"no user","messageId":"mixed-1"},
			{"type":"track","userId":"u_mixed","event":"ok","messageId":"mixed-2","timestamp":"tuesday"},
			{"type":"track","userId":"u_mixed","event":"ok too","messageId":"mixed-3"}]}`
		status, ctype, p := s.raw("POST", "/v1/batch", writeKey(s.write), batch)
		fields := segmentFields(p)
		if status != 400 || ctype != "application/problem+json" || strings.Join(fields, " ") != "batch[1].userId batch[2].timestamp" ||
			!strings.Contains(p["detail"].(string), "2 of 4 calls were accepted") {
			t.Errorf("= %d %v", status, p)
		}
		evs, _, _ := s.store.CustomerEvents(ctx, "default", "u_mixed", store.TimelineFilter{})
		if len(evs) != 2 {
			t.Errorf("%d good calls stored, want 2", len(evs))
		}
	})

	t.Run("GzipBodiesAreRead", func(t *testing.T) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(`{"userId":"u_gzip","event":"zipped","messageId":"gz-1"}`))
		_ = zw.Close()
		hdr := writeKey(s.write)
		hdr["Content-Encoding"] = "gzip"
		if status, _, p := s.raw("POST", "/v1/track", hdr, b.String()); status != 200 {
			t.Fatalf("gzip = %d %v", status, p)
		}
		if e := get("gz-1"); e.Name != "zipped" {
			t.Errorf("gzip event = %+v", e)
		}
	})

	t.Run("MistakesGetTheDocumentedError", func(t *testing.T) {
		revoked, k, err := s.store.CreateKey(ctx, "default", store.RoleWrite, "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.store.RevokeKey(ctx, "default", k.ID); err != nil {
			t.Fatal(err)
		}
		big := `{"batch":[` + strings.Repeat(`{"type":"track","userId":"u","event":"e","properties":{"x":"`+strings.Repeat("a", 10<<10)+`"}},`, 50) + `{}]}`
		cases := []struct {
			name, path, body string
			header           map[string]string
			status           int
			field            string
		}{
			{"MalformedJSON", "/v1/identify", `{"userId":"u",`, writeKey(s.write), 400, "body"},
			{"NeitherID", "/v1/page", `{"name":"Home"}`, writeKey(s.write), 400, "userId"},
			{"BadTimestamp", "/v1/track", `{"userId":"u","event":"e","timestamp":"2026-13-45T99:00:00Z"}`, writeKey(s.write), 400, "timestamp"},
			{"BadSentAt", "/v1/track", `{"userId":"u","event":"e","sentAt":"now"}`, writeKey(s.write), 400, "sentAt"},
			{"GroupWithoutGroupID", "/v1/group", `{"userId":"u"}`, writeKey(s.write), 400, "groupId"},
			{"AliasWithoutPreviousID", "/v1/alias", `{"userId":"u"}`, writeKey(s.write), 400, "previousId"},
			{"BatchNotAnArray", "/v1/batch", `{"batch":{}}`, writeKey(s.write), 400, "batch"},
			{"OversizeCall", "/v1/identify", `{"userId":"u","traits":{"x":"` + strings.Repeat("a", 33<<10) + `"}}`, writeKey(s.write), 413, ""},
			{"OversizeBatch", "/v1/batch", big, writeKey(s.write), 413, ""},
			{"NoKey", "/v1/track", `{"userId":"u","event":"e"}`, map[string]string{"Content-Type": "application/json"}, 401, ""},
			{"WrongKey", "/v1/track", `{"userId":"u","event":"e"}`, writeKey("tbj_w_wrongwrongwrongwrong"), 401, ""},
			{"RevokedKey", "/v1/batch", `{"batch":[]}`, writeKey(revoked), 401, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, ctype, p := s.raw("POST", tc.path, tc.header, tc.body)
				if status != tc.status || ctype != "application/problem+json" || problemField(p) != tc.field || p["detail"] == "" {
					t.Errorf("= %d %s %v, want %d naming %q", status, ctype, p, tc.status, tc.field)
				}
			})
		}
	})
}
