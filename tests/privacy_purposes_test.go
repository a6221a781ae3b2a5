package tests

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/unsubscribe"
)

// TestPurposesOfUseOnThePreferencePage: a workspace states its purposes of
// use in both languages with tabiji privacy set; bad texts are 422s naming
// the language; the preference page behind a customer's unsubscribe link
// shows them, in Japanese once the workspace's locale is ja.
func TestPurposesOfUseOnThePreferencePage(t *testing.T) {
	s := startStack(t)
	var out, errOut bytes.Buffer
	err := runCLI([]string{"privacy", "set", "--purposes-ja", "ご注文の配送のため\n新商品のご案内のため", "--purposes-en", "To deliver your orders",
		"--api-url", s.url, "--admin-key", s.admin}, &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "purposes of use (en):   To deliver your orders") {
		t.Fatalf("tabiji privacy set = %v\n%s%s", err, out.String(), errOut.String())
	}
	for field, purposes := range map[string]map[string]string{
		"purposes.ja": {"ja": strings.Repeat("目", 10001), "en": ""},
		"purposes.en": {"ja": "", "en": "a\x1b[31mb"},
	} {
		var p struct{ Errors []struct{ Field string } }
		s.call("PATCH", "/v1/workspace/privacy", "admin", map[string]any{"purposes": purposes}, http.StatusUnprocessableEntity, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("purposes %v: errors %+v, want one on %s", purposes, p.Errors, field)
		}
	}
	s.call("PATCH", "/v1/workspace/privacy", "admin", map[string]any{"purposes": "everything"}, http.StatusBadRequest, nil)

	pages := httptest.NewServer(api.NewServer(api.Deps{Store: s.store, Temporal: s.temporal, Namespace: s.server.Namespace(),
		TaskQueue: taskQueue, UnsubscribeSecret: "s3cret"}))
	defer pages.Close()
	link, _ := url.Parse(unsubscribe.URL("s3cret", pages.URL, unsubscribe.Token{WorkspaceID: "default", CustomerID: "u_pp", Channel: "email"}))
	page := func() string {
		t.Helper()
		resp, err := http.Get(pages.URL + link.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preference page = %d %s", resp.StatusCode, raw)
		}
		return string(raw)
	}
	if p := page(); !strings.Contains(p, "<h2>How we use your personal information</h2>\n<p>To deliver your orders</p>") {
		t.Errorf("English page: %s", p)
	}
	s.call("PATCH", "/v1/workspace", "admin", map[string]any{"locale": "ja"}, http.StatusOK, nil)
	if p := page(); !strings.Contains(p, "<h2>個人情報の利用目的</h2>\n<p>ご注文の配送のため</p>\n<p>新商品のご案内のため</p>") ||
		!strings.Contains(p, "<h1>配信設定</h1>") {
		t.Errorf("Japanese page: %s", p)
	}
}
