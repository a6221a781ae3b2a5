package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestBroadcastsAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, write := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	_, err := b.store.CreateSegment(context.Background(), "w", store.Segment{ID: "vip", Name: "VIP", Definition: json.RawMessage(`{"condition": {"tag": "vip"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("CreatesADraftAndShowsItsProgress", func(t *testing.T) {
		status, body := b.do(t, "POST", "/v1/broadcasts", admin, `{"name": "Winter sale", "segment": "vip", "channel": "email",
			"content": {"subject": "Winter sale", "from": "shop@example.com", "html": "<p>20% off</p>"},
			"quietHours": {"start": "21:00", "end": "08:00", "timezone": "Asia/Tokyo"}}`)
		if status != 201 || !strings.Contains(body, `"id":"winter_sale"`) || !strings.Contains(body, `"status":"draft"`) {
			t.Fatalf("create: %d %s", status, body)
		}
		status, body = b.do(t, "GET", "/v1/broadcasts/winter_sale", admin, "")
		if status != 200 || !strings.Contains(body, `"progress":{"audience":0,"sent":0,"sending":0,"failed":0,"skipped":{},"deferred":0,"remaining":0}`) ||
			!strings.Contains(body, `"workflowId":"ws_w/bc_winter_sale"`) {
			t.Fatalf("get: %d %s", status, body)
		}
		if status, body := b.do(t, "GET", "/v1/broadcasts", admin, ""); status != 200 || !strings.Contains(body, `"winter_sale"`) {
			t.Errorf("list: %d %s", status, body)
		}
		if status, _ := b.do(t, "POST", "/v1/broadcasts", admin, `{"name": "Winter sale", "segment": "vip", "channel": "email", "content": {"subject": "s", "from": "a@example.com", "html": "x"}}`); status != 409 {
			t.Errorf("same id again: %d, want 409", status)
		}
	})
	t.Run("ADraftCanBeCancelledButNotPaused", func(t *testing.T) {
		b.do(t, "POST", "/v1/broadcasts", admin, `{"id": "spring", "name": "Spring", "segment": "vip", "channel": "email", "content": {"subject": "s", "from": "a@example.com", "html": "x"}}`)
		if status, body := b.do(t, "POST", "/v1/broadcasts/spring/pause", admin, ""); status != 409 || !strings.Contains(body, "schedule it first") {
			t.Errorf("pause a draft: %d %s", status, body)
		}
		if status, body := b.do(t, "POST", "/v1/broadcasts/spring/cancel", admin, ""); status != 200 || !strings.Contains(body, `"status":"cancelled"`) {
			t.Errorf("cancel a draft: %d %s", status, body)
		}
		if status, _ := b.do(t, "POST", "/v1/broadcasts/spring/schedule", admin, ""); status != 409 {
			t.Errorf("schedule a cancelled broadcast: %d, want 409", status)
		}
		if status, _ := b.do(t, "POST", "/v1/broadcasts/nope/cancel", admin, ""); status != 404 {
			t.Errorf("cancel a missing broadcast: %d, want 404", status)
		}
	})
	t.Run("BadInputNamesTheField", func(t *testing.T) {
		for field, req := range map[string]string{
			"segment":             `{"name": "x", "channel": "email", "content": {}}`,
			"channel":             `{"name": "x", "segment": "vip", "channel": "fax", "content": {}}`,
			"template":            `{"name": "x", "segment": "vip", "channel": "email"}`,
			"quietHours.start":    `{"name": "x", "segment": "vip", "channel": "email", "template": "", "content": {"subject": "s", "from": "a@example.com", "html": "x"}, "quietHours": {"start": "25:00", "end": "08:00"}}`,
			"quietHours.timezone": `{"name": "x", "segment": "vip", "channel": "email", "content": {"subject": "s", "from": "a@example.com", "html": "x"}, "quietHours": {"start": "21:00", "end": "08:00", "timezone": "Mars/Olympus"}}`,
			"sendAt":              `{"name": "x", "segment": "vip", "channel": "email", "sendAt": "tomorrow"}`,
		} {
			status, body := b.do(t, "POST", "/v1/broadcasts", admin, req)
			if status < 400 || status >= 500 || !strings.Contains(body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s, want a 4xx naming %s", req, status, body, field)
			}
		}
		status, body := b.do(t, "POST", "/v1/broadcasts", admin, `{"name": "x", "segment": "nope", "channel": "email", "content": {}}`)
		if status != 422 || !strings.Contains(body, `"field":"segment"`) {
			t.Errorf("unknown segment: %d %s", status, body)
		}
		b.do(t, "POST", "/v1/broadcasts", admin, `{"id": "later", "name": "Later", "segment": "vip", "channel": "email", "content": {"subject": "s", "from": "a@example.com", "html": "x"}}`)
		for _, at := range []string{"tomorrow", "2026-13-01T10:00", "10:00", "2026-12-08T25:00"} {
			status, body := b.do(t, "POST", "/v1/broadcasts/later/schedule", admin, `{"sendAt": "`+at+`"}`)
			if status != 422 || !strings.Contains(body, `"field":"sendAt"`) {
				t.Errorf("schedule at %q: %d %s, want 422 naming sendAt", at, status, body)
			}
		}
		if status, _ := b.do(t, "GET", "/v1/broadcasts", write, ""); status != 401 && status != 403 {
			t.Errorf("the write key lists broadcasts: %d", status)
		}
	})
}
