package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// problemFieldsOf reads the field paths of a problem body.
func problemFieldsOf(t *testing.T, body string) []string {
	t.Helper()
	var p Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("not a problem body: %s", body)
	}
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Field
	}
	return out
}

func TestSegmentsAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupWebhooks(t)
	admin, write := b.keys(t, "w")
	otherAdmin, _ := b.keys(t, "other")
	err := b.store.ReplaceTaxonomy(ctx, "w", &taxonomy.Taxonomy{UnknownEvents: taxonomy.Reject,
		Events:         []taxonomy.EventDef{{Name: "purchase", Properties: []taxonomy.PropertyDef{{Name: "total", Type: taxonomy.Number}}}},
		UserProperties: []taxonomy.PropertyDef{{Name: "ltv", Type: taxonomy.Number}}})
	mustNotErr(t, err)
	for _, u := range []string{"u2", "u3"} {
		_, err := b.store.ChangeProfile(ctx, "w", u, store.ProfileChange{Set: map[string]any{"ltv": 10}}, time.Now())
		mustNotErr(t, err)
	}
	_, err = b.store.ChangeProfile(ctx, "w", "u2", store.ProfileChange{AddTags: []string{"vip"}}, time.Now())
	mustNotErr(t, err)
	json := map[string]string{"Content-Type": "application/json", "Authorization": admin["Authorization"]}

	t.Run("CreatesCountsAndListsMembers", func(t *testing.T) {
		status, body := b.do(t, "POST", "/v1/segments", json, `{"name":"Has LTV","definition":{"condition":{"trait":{"name":"ltv","op":"gte","value":10}}}}`)
		if status != http.StatusCreated || !strings.Contains(body, `"id":"has_ltv"`) || !strings.Contains(body, `"version":1`) || !strings.Contains(body, `"timeDependent":false`) {
			t.Fatalf("create = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/segments/has_ltv/count", admin, "")
		if status != http.StatusOK || !strings.Contains(body, `"count":2`) {
			t.Errorf("count = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/segments/has_ltv/members?limit=1", admin, "")
		if status != http.StatusOK || !strings.Contains(body, `"members":["u2"]`) || !strings.Contains(body, `"next":"u2"`) {
			t.Errorf("members page 1 = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/segments/has_ltv/members?limit=1&after=u2", admin, "")
		if status != http.StatusOK || !strings.Contains(body, `"members":["u3"]`) {
			t.Errorf("members page 2 = %d %s", status, body)
		}
		status, body = b.do(t, "POST", "/v1/segments", json, `{"id":"vip_ltv","name":"VIP with LTV","definition":{"condition":{"and":[{"tag":"vip"},{"segment":"has_ltv"}]}}}`)
		if status != http.StatusCreated {
			t.Fatalf("create vip_ltv = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/profiles/u2/segments", admin, "")
		if status != http.StatusOK || !strings.Contains(body, `"segments":["has_ltv","vip_ltv"]`) {
			t.Errorf("u2's segments = %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/segments", admin, "")
		if status != http.StatusOK || !strings.Contains(body, `"id":"has_ltv"`) || !strings.Contains(body, `"id":"vip_ltv"`) {
			t.Errorf("list = %d %s", status, body)
		}
	})

	t.Run("UpdatesAndDeletes", func(t *testing.T) {
		status, body := b.do(t, "PUT", "/v1/segments/has_ltv", json, `{"definition":{"condition":{"event":{"name":"purchase","performed":false,"window":{"last_days":30}}}}}`)
		if status != http.StatusOK || !strings.Contains(body, `"version":2`) || !strings.Contains(body, `"timeDependent":true`) || !strings.Contains(body, `"name":"Has LTV"`) {
			t.Errorf("update = %d %s", status, body)
		}
		status, body = b.do(t, "DELETE", "/v1/segments/has_ltv", admin, "")
		if status != http.StatusConflict || !strings.Contains(body, "segments vip_ltv reference it") || strings.Contains(body, "store: in use") {
			t.Errorf("delete of a referenced segment = %d %s", status, body)
		}
		for _, id := range []string{"vip_ltv", "has_ltv"} {
			if status, body := b.do(t, "DELETE", "/v1/segments/"+id, admin, ""); status != http.StatusNoContent {
				t.Errorf("delete %s = %d %s", id, status, body)
			}
		}
		if status, _ := b.do(t, "GET", "/v1/segments/has_ltv", admin, ""); status != http.StatusNotFound {
			t.Errorf("get after delete = %d", status)
		}
	})

	t.Run("AnswersProblemsNamingTheField", func(t *testing.T) {
		cases := []struct {
			method, path, body string
			status             int
			fields             []string
		}{
			{"POST", "/v1/segments", `{"name":"x"}`, 400, []string{"definition"}},
			{"POST", "/v1/segments", `{"definition":{"condition":{"tag":"a"}}}`, 400, []string{"name"}},
			{"POST", "/v1/segments", `{"name":"x","definition":{"condition":{"trait":{"name":"ltv","op":"gt","value":"big"}}}}`, 422, []string{"definition.condition.trait.value"}},
			{"POST", "/v1/segments", `{"name":"x","definition":{"condition":{"and":[{"event":{"name":"purchse"}},{"event":{"name":"purchase","sum":{"property":"total"}}}]}}}`, 422,
				[]string{"definition.condition.and[0].event.name", "definition.condition.and[1].event.sum.op", "definition.condition.and[1].event.sum.value"}},
			{"POST", "/v1/segments", `{"name":"x","definition":{"condition":{"tagg":"a"}}}`, 422, []string{"definition.condition.tagg"}},
			{"POST", "/v1/segments", `{"name":"x","definition":{"condition":{"segment":"x"}}}`, 422, []string{"definition.condition.segment"}},
			{"POST", "/v1/segments", `{"name":"x","definition":"yes"}`, 422, []string{"definition"}},
			{"PUT", "/v1/segments/nope", `{"definition":{"condition":{"tag":"a"}}}`, 404, nil},
			{"GET", "/v1/segments/nope/count", ``, 404, nil},
			{"GET", "/v1/segments/nope/members?limit=0", ``, 400, []string{"limit"}},
			{"GET", "/v1/profiles/nobody/segments", ``, 404, nil},
		}
		for _, c := range cases {
			status, body := b.do(t, c.method, c.path, json, c.body)
			if status != c.status || (c.fields != nil && !slices.Equal(problemFieldsOf(t, body), c.fields)) {
				t.Errorf("%s %s %s = %d %s, want %d naming %v", c.method, c.path, c.body, status, body, c.status, c.fields)
			}
		}
	})

	t.Run("NeedsTheAdminKeyOfTheWorkspace", func(t *testing.T) {
		if status, _ := b.do(t, "POST", "/v1/segments", write, `{"name":"x","definition":{"condition":{"tag":"a"}}}`); status != http.StatusUnauthorized && status != http.StatusForbidden {
			t.Errorf("write key = %d", status)
		}
		if status, _ := b.do(t, "POST", "/v1/segments", json, `{"name":"Mine","definition":{"condition":{"tag":"a"}}}`); status != http.StatusCreated {
			t.Fatalf("create = %d", status)
		}
		if status, _ := b.do(t, "GET", "/v1/segments/mine", otherAdmin, ""); status != http.StatusNotFound {
			t.Errorf("another workspace's key = %d, want 404", status)
		}
	})
}

func mustNotErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
