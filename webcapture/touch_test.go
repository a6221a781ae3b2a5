package webcapture

import (
	"maps"
	"testing"
	"time"
)

func TestTouchOf(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	iphone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	t.Run("ACampaignVisitIsAttributed", func(t *testing.T) {
		got, ok, attributed := TouchOf(map[string]any{
			"campaign":  map[string]any{"source": "newsletter", "medium": "email", "name": "winter_sale"},
			"page":      map[string]any{"url": "https://shop.example/tea?utm_source=newsletter", "referrer": ""},
			"userAgent": iphone,
		}, at)
		if !ok || !attributed {
			t.Fatalf("ok, attributed = %v, %v", ok, attributed)
		}
		want := map[string]any{"first_touch_at": "2026-12-07T00:00:00Z", "first_touch_source": "newsletter", "first_touch_medium": "email",
			"first_touch_campaign": "winter_sale", "first_touch_landing_page": "https://shop.example/tea?utm_source=newsletter",
			"first_touch_device": "mobile", "first_touch_os": "iOS", "first_touch_browser": "Safari"}
		if traits := got.Traits(FirstTouch); !maps.Equal(traits, want) {
			t.Errorf("traits = %v\nwant %v", traits, want)
		}
	})
	t.Run("AnotherSitesReferrerIsAttributed", func(t *testing.T) {
		got, ok, attributed := TouchOf(map[string]any{"page": map[string]any{"url": "https://shop.example/", "referrer": "https://www.google.co.jp/search?q=tea"}}, at)
		if !ok || !attributed || got.ReferringDomain != "www.google.co.jp" {
			t.Errorf("touch = %+v, %v, %v", got, ok, attributed)
		}
	})
	t.Run("ADirectOrInternalVisitIsATouchButNotAttributed", func(t *testing.T) {
		for _, page := range []map[string]any{{"url": "https://shop.example/a"}, {"url": "https://shop.example/b", "referrer": "https://shop.example/a"}} {
			if _, ok, attributed := TouchOf(map[string]any{"page": page}, at); !ok || attributed {
				t.Errorf("page %v: ok, attributed = %v, %v", page, ok, attributed)
			}
		}
	})
	t.Run("AnAppsDeviceIsItsOwn", func(t *testing.T) {
		got, ok, _ := TouchOf(map[string]any{"campaign": map[string]any{"source": "line"}, "device": map[string]any{"type": "ios", "token": "secret"}, "os": map[string]any{"name": "iOS"}}, at)
		if !ok || got.Device != "ios" || got.OS != "iOS" {
			t.Errorf("touch = %+v", got)
		}
	})
	t.Run("AServersCallIsNoTouch", func(t *testing.T) {
		if _, ok, _ := TouchOf(map[string]any{"library": map[string]any{"name": "analytics-go"}}, at); ok {
			t.Error("a call without page, campaign or referrer made a touch")
		}
	})
}

func TestJourneyContextLeavesAddressesOut(t *testing.T) {
	got := JourneyContext(map[string]any{"campaign": map[string]any{"source": "x"}, "ip": "203.0.113.9",
		"device": map[string]any{"type": "android", "token": "push-token", "advertisingId": "ad"}})
	dev, _ := got["device"].(map[string]any)
	if _, ok := got["ip"]; ok || dev["token"] != nil || dev["advertisingId"] != nil || dev["type"] != "android" || got["campaign"] == nil {
		t.Errorf("JourneyContext = %v", got)
	}
	if JourneyContext(map[string]any{"library": "x"}) != nil {
		t.Error("a context without journey keys gave a non-nil map")
	}
}
