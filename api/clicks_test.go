package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/clicks"
)

func TestClickRedirect(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (*webhookBundle, *clicks.Signer) {
		b := setupWebhooks(t)
		signer, err := clicks.NewSigner("api-click-test-secrets-key-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		b.handler = NewServer(Deps{Store: b.store, Temporal: b.signals, Clicks: signer})
		return b, signer
	}
	get := func(b *webhookBundle, method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		b.handler.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	const dest = "https://shop.example.jp/sale?utm_source=line&x=%E3%81%82#top"

	t.Run("RecordsTheClickAndRedirectsToExactlyTheURL", func(t *testing.T) {
		t.Parallel()
		b, signer := setup(t)
		b.sendMessage(t, "m1", "line")
		tok := signer.Sign(clicks.Link{WorkspaceID: "w", CustomerID: "u1", MessageID: "m1", Channel: "line", URL: dest})
		for range 2 { // two clicks are two events
			rec := get(b, "GET", "/r/"+tok)
			if rec.Code != http.StatusFound || rec.Header().Get("Location") != dest {
				t.Fatalf("GET = %d Location %q, want 302 to %s", rec.Code, rec.Header().Get("Location"), dest)
			}
		}
		clicked := b.customerEvents(t)["line_clicked"]
		if len(clicked) != 2 || !strings.Contains(string(clicked[0].Properties), `"url": "`+dest+`"`) {
			t.Fatalf("line_clicked events = %+v", clicked)
		}
		if m, _ := b.message(t, "m1"); m.Status != "clicked" {
			t.Errorf("message status = %s, want clicked", m.Status)
		}
		if names := b.signals.names(); len(names) != 2 || names[0] != "line_clicked" || b.signals.signals[0].workflowID != "wf-m1" {
			t.Errorf("signals = %v", names)
		}
		if rec := get(b, "HEAD", "/r/"+tok); rec.Code != http.StatusFound || len(b.customerEvents(t)["line_clicked"]) != 2 {
			t.Errorf("HEAD = %d, and it must record nothing", rec.Code)
		}
	})

	t.Run("RefusesHostileTokensWithoutRedirecting", func(t *testing.T) {
		t.Parallel()
		b, signer := setup(t)
		tok := signer.Sign(clicks.Link{WorkspaceID: "w", CustomerID: "u1", Channel: "line", URL: dest})
		payload, sig, _ := strings.Cut(tok, ".")
		other, _ := clicks.NewSigner(strings.Repeat("x", 40))
		for name, bad := range map[string]string{
			"tampered":    payload[:len(payload)-2] + "AA." + sig,
			"truncated":   tok[:len(tok)-5],
			"huge":        strings.Repeat("A", 20000) + "." + sig,
			"garbage":     "%7B%22u%22%3A%22https%3A%2F%2Fevil.example%22%7D",
			"another key": other.Sign(clicks.Link{WorkspaceID: "w", CustomerID: "u1", Channel: "line", URL: "https://evil.example"}),
		} {
			rec := get(b, "GET", "/r/"+bad)
			if rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "" || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
				t.Errorf("%s: %d Location %q %s, want a 404 problem and no redirect", name, rec.Code, rec.Header().Get("Location"), rec.Header().Get("Content-Type"))
			}
		}
		if n := len(b.customerEvents(t)["line_clicked"]); n != 0 {
			t.Errorf("a refused token recorded %d clicks", n)
		}
	})

	t.Run("IsOffWithoutAKey", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		if rec := get(b, "GET", "/r/abc.def"); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("GET = %d, want 503", rec.Code)
		}
	})
}
