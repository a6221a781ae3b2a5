package tests

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestAcquisitionTouches: where a visitor came from (campaign, referrer,
// device in the calls' context) is kept on the profile as its first and
// last touch, survives the sign-up's merge, and segments read it, as a
// trait and as an event's context.
func TestAcquisitionTouches(t *testing.T) {
	b := setupKeys(t)
	iphone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	visit := func(id, typ, at string, ctx map[string]any) {
		t.Helper()
		call := map[string]any{"anonymousId": "v9", "messageId": id, "timestamp": at, "context": ctx}
		if typ == "track" {
			call["event"] = "product_viewed"
		}
		if status, body := b.do("POST", "/v1/"+typ, b.write, call); status != http.StatusOK {
			t.Fatalf("%s %s = %d %s", typ, id, status, body)
		}
	}
	campaign := map[string]any{"source": "newsletter", "medium": "email", "name": "winter_sale"}
	visit("m1", "page", "2026-12-01T10:00:00Z", map[string]any{"campaign": campaign, "userAgent": iphone,
		"page": map[string]any{"url": "https://shop.example/?utm_source=newsletter", "referrer": ""}})
	visit("m2", "track", "2026-12-01T10:01:00Z", map[string]any{"campaign": campaign, "page": map[string]any{"url": "https://shop.example/tea"}})
	visit("m3", "page", "2026-12-03T10:00:00Z", map[string]any{"page": map[string]any{"url": "https://shop.example/search", "referrer": "https://www.google.co.jp/"}})
	visit("m4", "page", "2026-12-04T10:00:00Z", map[string]any{"page": map[string]any{"url": "https://shop.example/", "referrer": ""}})
	// A server's call says nothing of a visit.
	if status, body := b.do("POST", "/v1/identify", b.write, map[string]any{"userId": "u9", "anonymousId": "v9",
		"traits": map[string]any{"email": "u9@example.jp"}, "timestamp": "2026-12-05T10:00:00Z"}); status != http.StatusOK {
		t.Fatalf("identify = %d %s", status, body)
	}
	p, err := b.st.GetProfile(context.Background(), "acme", "u9")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("TheFirstTouchIsTheCampaignVisit", func(t *testing.T) {
		for k, want := range map[string]any{"first_touch_source": "newsletter", "first_touch_medium": "email", "first_touch_campaign": "winter_sale",
			"first_touch_device": "mobile", "first_touch_os": "iOS", "first_touch_at": "2026-12-01T10:00:00Z"} {
			if p.Traits[k] != want {
				t.Errorf("%s = %v, want %v (traits %v)", k, p.Traits[k], want, p.Traits)
			}
		}
	})
	t.Run("TheLastTouchIsTheLatestAttributedVisit", func(t *testing.T) {
		if p.Traits["last_touch_referring_domain"] != "www.google.co.jp" || p.Traits["last_touch_source"] != nil ||
			p.Traits["last_touch_at"] != "2026-12-03T10:00:00Z" {
			t.Errorf("last touch = %v", p.Traits)
		}
	})
	t.Run("SegmentsReadTouchesAndEventContexts", func(t *testing.T) {
		for id, cond := range map[string]any{
			"from_newsletter": map[string]any{"trait": map[string]any{"name": "first_touch_source", "op": "eq", "value": "newsletter"}},
			"viewed_from_newsletter": map[string]any{"event": map[string]any{"name": "product_viewed",
				"where": []any{map[string]any{"property": "context.campaign.source", "op": "eq", "value": "newsletter"}}}},
			"viewed_from_line": map[string]any{"event": map[string]any{"name": "product_viewed",
				"where": []any{map[string]any{"property": "context.campaign.source", "op": "eq", "value": "line"}}}},
		} {
			if status, body := b.do("POST", "/v1/segments", b.admin, map[string]any{"id": id, "name": id, "definition": map[string]any{"condition": cond}}); status != http.StatusCreated {
				t.Fatalf("segment %s = %d %s", id, status, body)
			}
		}
		for id, want := range map[string]string{"from_newsletter": `"count":1`, "viewed_from_newsletter": `"count":1`, "viewed_from_line": `"count":0`} {
			if status, body := b.do("GET", "/v1/segments/"+id+"/count", b.admin, nil); status != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("count %s = %d %s, want %s", id, status, body, want)
			}
		}
	})
	t.Run("ABadContextPathIsNamed", func(t *testing.T) {
		status, body := b.do("POST", "/v1/segments", b.admin, map[string]any{"id": "bad", "name": "bad", "definition": map[string]any{"condition": map[string]any{
			"event": map[string]any{"name": "product_viewed", "where": []any{map[string]any{"property": "context.campaign..source", "op": "eq", "value": "x"}}}}}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "definition.condition.event.where[0].property") {
			t.Errorf("bad path = %d %s", status, body)
		}
	})
}
