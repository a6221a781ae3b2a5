package tests

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// post sends body with the given content type and no Authorization header.
func (b *keysBundle) post(path, contentType, body string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// TestBrowserCaptureWire: what Segment's browser library and beacons send
// is taken as they send it: the short paths, the write key in the body,
// text/plain bodies; and the settings document points the library back at
// the API.
func TestBrowserCaptureWire(t *testing.T) {
	b := setupKeys(t)
	t.Run("ShortPathsTakeTheWriteKeyInATextPlainBody", func(t *testing.T) {
		calls := map[string]string{
			"/v1/t": `{"writeKey":"` + b.client + `","anonymousId":"v1","event":"product_viewed","messageId":"m-t"}`,
			"/v1/p": `{"writeKey":"` + b.client + `","anonymousId":"v1","name":"Home","messageId":"m-p"}`,
			"/v1/s": `{"writeKey":"` + b.client + `","anonymousId":"v1","name":"Cart","messageId":"m-s"}`,
			"/v1/b": `{"writeKey":"` + b.client + `","batch":[{"type":"track","anonymousId":"v1","event":"cart_viewed","messageId":"m-b"}]}`,
			"/v1/i": `{"writeKey":"` + b.write + `","userId":"u1","anonymousId":"v1","traits":{"email":"u1@example.jp"},"messageId":"m-i"}`,
		}
		for _, path := range []string{"/v1/t", "/v1/p", "/v1/s", "/v1/b", "/v1/i"} {
			if status, body := b.post(path, "text/plain;charset=UTF-8", calls[path]); status != http.StatusOK {
				t.Fatalf("POST %s = %d %s", path, status, body)
			}
		}
		p, err := b.st.GetProfile(context.Background(), "acme", "u1")
		if err != nil || p.Email != "u1@example.jp" || len(p.AnonymousIDs) != 1 {
			t.Fatalf("profile u1 = %+v, %v: want the visitor v1 merged", p, err)
		}
		if events := b.timeline("u1"); len(events) != 5 {
			t.Errorf("u1 has %d events, want 5 (track, page, screen, batch's track, identify)", len(events))
		}
	})
	t.Run("ABodyWithoutAKeyIsUnauthorized", func(t *testing.T) {
		for _, body := range []string{`{"anonymousId":"v","event":"e"}`, `{"writeKey":42,"anonymousId":"v","event":"e"}`, `not json`,
			`{"writeKey":"tbj_nope","anonymousId":"v","event":"e"}`} {
			if status, resp := b.post("/v1/t", "text/plain", body); status != http.StatusUnauthorized {
				t.Errorf("POST /v1/t %s = %d %s, want 401", body, status, resp)
			}
		}
	})
	t.Run("OtherContentTypesAreRefused", func(t *testing.T) {
		if status, _ := b.post("/v1/t", "application/x-www-form-urlencoded", "writeKey="+b.client); status != http.StatusUnsupportedMediaType {
			t.Errorf("a form body = %d, want 415", status)
		}
	})
	t.Run("TheSettingsPointTheLibraryBackAtTheAPI", func(t *testing.T) {
		status, body := b.do("GET", "/v1/projects/"+b.client+"/settings", "", nil)
		var doc struct {
			Integrations map[string]struct{ APIKey, APIHost, Protocol string }
			Metrics      struct{ SampleRate float64 }
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil || status != http.StatusOK {
			t.Fatalf("settings = %d %s", status, body)
		}
		seg := doc.Integrations["Segment.io"]
		host := strings.TrimPrefix(b.url, "http://")
		if len(doc.Integrations) != 1 || seg.APIKey != b.client || seg.APIHost != host+"/v1" || seg.Protocol != "http" || doc.Metrics.SampleRate != 0 {
			t.Errorf("settings = %s", body)
		}
	})
	t.Run("TheSettingsOfAnUnknownOrAdminKeyAreRefused", func(t *testing.T) {
		if status, _ := b.do("GET", "/v1/projects/tbj_w_unknown/settings", "", nil); status != http.StatusNotFound {
			t.Errorf("unknown key = %d, want 404", status)
		}
		if status, _ := b.do("GET", "/v1/projects/"+b.admin+"/settings", "", nil); status != http.StatusForbidden {
			t.Errorf("admin key = %d, want 403", status)
		}
	})
	t.Run("AllowedOriginsAreValidated", func(t *testing.T) {
		status, body := b.do("PUT", "/v1/workspace/allowed-origins", b.admin, map[string]any{"origins": []string{"HTTPS://Shop.Example:443", "https://shop.example/cart"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"origins[1]"`) {
			t.Errorf("bad origin = %d %s, want 422 on origins[1]", status, body)
		}
		status, body = b.do("PUT", "/v1/workspace/allowed-origins", b.admin, map[string]any{"origins": []string{"HTTPS://Shop.Example:443"}})
		if status != http.StatusOK || !strings.Contains(body, `"https://shop.example"`) {
			t.Errorf("good origin = %d %s", status, body)
		}
		if status, body = b.do("GET", "/v1/workspace/allowed-origins", b.admin, nil); !strings.Contains(body, `["https://shop.example"]`) {
			t.Errorf("GET = %d %s", status, body)
		}
		if status, _ = b.do("PUT", "/v1/workspace/allowed-origins", b.write, map[string]any{"origins": []string{}}); status != http.StatusForbidden {
			t.Errorf("a write key set origins: %d", status)
		}
	})
}
