package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// TestIngestPipeline runs decoded calls through the ingestion pipeline (ingest.Pipeline.Submit) on real Postgres,
// under a taxonomy with every policy (no journey is active, so no Temporal).
func TestIngestPipeline(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "W"); err != nil {
		t.Fatal(err)
	}
	total := []taxonomy.PropertyDef{{Name: "total", Type: taxonomy.Number, Required: true}}
	err := st.ReplaceTaxonomy(ctx, "w", &taxonomy.Taxonomy{UnknownEvents: taxonomy.Reject, InvalidTraits: taxonomy.Reject,
		Events: []taxonomy.EventDef{
			{Name: "strict_order", OnInvalid: taxonomy.Reject, Properties: total},
			{Name: "held_order", OnInvalid: taxonomy.Quarantine, Properties: total},
			{Name: "loose_order", OnInvalid: taxonomy.Allow, Properties: total},
			{Name: "old_thing", Status: taxonomy.Blocked},
		},
		UserProperties: []taxonomy.PropertyDef{{Name: "age", Type: taxonomy.Integer}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(Deps{Store: st})
	decode := func(i int, typ, body string) ingest.Message {
		m, err := ingest.Decode(typ, []byte(body), time.Now().UTC())
		if err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		m.Index = i
		return m
	}
	msgs := []ingest.Message{
		decode(0, "track", `{"userId":"u","event":"strict_order","messageId":"m0","properties":{"total":"ten"}}`),
		decode(1, "track", `{"userId":"u","event":"held_order","messageId":"m1","properties":{}}`),
		decode(2, "track", `{"userId":"u","event":"loose_order","messageId":"m2","properties":{"total":true}}`),
		decode(3, "track", `{"userId":"u","event":"old_thing","messageId":"m3"}`),
		decode(4, "track", `{"userId":"u","event":"typo_order","messageId":"m4"}`),
		decode(5, "identify", `{"userId":"u","messageId":"m5","traits":{"age":"old"}}`),
		decode(6, "track", `{"userId":"u","event":"strict_order","messageId":"m6","properties":{"total":10},"context":{"timezone":"Asia/Tokyo","locale":"ja-JP"}}`),
		decode(7, "identify", `{"userId":"u","messageId":"m7","traits":{"age":30,"email":"u@example.jp"}}`),
	}
	res, err := s.pipeline.Submit(ctx, "w", msgs)
	if err != nil || res.RouteErr != nil {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	var rejected []string
	for _, r := range res.Rejected {
		rejected = append(rejected, string(rune('0'+r.Index))+":"+r.Violations[0].Field+":"+r.Violations[0].Rule)
	}
	if got := strings.Join(rejected, " "); got != "0:properties.total:type 4:event:unknown 5:traits.age:type" {
		t.Errorf("rejected = %s", got)
	}
	if res.Stored != 3 || res.Quarantined != 1 || res.Dropped != 1 {
		t.Errorf("result = %+v, want 3 stored (m2 flagged, m6, m7), 1 quarantined, 1 dropped", res)
	}
	flagged, err := st.GetEvent(ctx, "w", "m2")
	if err != nil || !strings.Contains(string(flagged.Violations), "properties.total") || flagged.RoutedAt == nil {
		t.Errorf("the allowed-but-invalid event = %+v, %v: want it stored flagged (and routed: no journey uses it)", flagged, err)
	}
	if q, err := st.GetQuarantined(ctx, "w", "m1"); err != nil || q.Violations[0].Rule != "required" {
		t.Errorf("quarantined = %+v, %v", q, err)
	}
	for _, id := range []string{"m0", "m1", "m3", "m4", "m5"} {
		if _, err := st.GetEvent(ctx, "w", id); err == nil {
			t.Errorf("event %s was stored despite its verdict", id)
		}
	}
	p, err := st.GetProfile(ctx, "w", "u")
	if err != nil || p.Traits["age"] != 30.0 || p.Email != "u@example.jp" || p.Timezone != "Asia/Tokyo" || p.Locale != "ja-JP" {
		t.Errorf("profile = %+v, %v", p, err)
	}

	t.Run("RejectionsNameTheCallAndProperty", func(t *testing.T) {
		key, _, err := st.CreateKey(ctx, "w", store.RoleWrite, "k")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(NewServer(Deps{Store: st}))
		defer srv.Close()
		post := func(path, body string) (int, Problem) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
			req.SetBasicAuth(key, "")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p Problem
			_ = json.NewDecoder(resp.Body).Decode(&p)
			return resp.StatusCode, p
		}
		status, p := post("/v1/track", `{"userId":"u","event":"strict_order","properties":{"total":"x"}}`)
		if status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "properties.total" || !strings.HasPrefix(p.Errors[0].Message, "type: ") {
			t.Errorf("track = %d %+v", status, p)
		}
		status, p = post("/v1/batch", `{"batch":[{"type":"track","userId":"u","event":"strict_order","properties":{"total":1}},
			{"type":"track","userId":"u","event":"strict_order","properties":{}},{"type":"page"}]}`)
		if status != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "batch[2].userId" || p.Errors[1].Field != "batch[1].properties.total" ||
			!strings.Contains(p.Detail, "1 of 3 calls were accepted") {
			t.Errorf("batch = %d %+v", status, p)
		}
	})
}
