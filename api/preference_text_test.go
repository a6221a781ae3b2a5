package api

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

func TestPreferenceTextCatalogsMatch(t *testing.T) {
	t.Parallel()
	en := slices.Sorted(maps.Keys(preferenceText["en"]))
	for lang, cat := range preferenceText {
		if got := slices.Sorted(maps.Keys(cat)); !slices.Equal(got, en) {
			t.Errorf("catalog %s has keys %v, want those of en: %v", lang, got, en)
		}
		for k, v := range cat {
			if strings.TrimSpace(v) == "" {
				t.Errorf("catalog %s: %s is empty", lang, k)
			}
		}
	}
}

// TestPreferencePageShowsThePurposesOfUse: the preference page shows the
// workspace's purposes of use in the customer's language (the profile's
// locale, else the workspace's), falling back to the other language when
// the workspace wrote only one, escaped; without purposes it shows no
// section; in Japanese the whole page is Japanese.
func TestPreferencePageShowsThePurposesOfUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupWebhooks(t)
	link := func(customer string) string {
		u, _ := url.Parse(unsubscribe.URL("unsubscribe-secret", "https://tabiji.example", unsubscribe.Token{WorkspaceID: "w", CustomerID: customer, Channel: "email"}))
		return u.Path
	}
	setPurposes := func(ja, en string) {
		t.Helper()
		if _, err := b.store.UpdatePrivacySettings(ctx, "w", func(p store.PrivacySettings) (store.PrivacySettings, error) {
			p.PurposesJA, p.PurposesEN = ja, en
			return p, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	page := func(customer string) string {
		t.Helper()
		status, body := b.do(t, "GET", link(customer), nil, "")
		if status != 200 {
			t.Fatalf("page = %d %s", status, body)
		}
		return body
	}

	if p := page("u1"); strings.Contains(p, `id="purposes"`) || !strings.Contains(p, `<html lang="en">`) {
		t.Errorf("an English workspace without purposes: %s", p)
	}
	setPurposes("ご注文の配送のため\n新商品のご案内のため", "To deliver your orders\nTo tell you about <new> products")
	if p := page("u1"); !strings.Contains(p, "<h2>How we use your personal information</h2>") ||
		!strings.Contains(p, "<p>To deliver your orders</p>\n<p>To tell you about &lt;new&gt; products</p>") {
		t.Errorf("English page: %s", p)
	}
	if _, err := b.store.UpdateWorkspaceSettings(ctx, "w", locale.Settings{Locale: "ja"}); err != nil {
		t.Fatal(err)
	}
	p := page("u1")
	for _, want := range []string{`<html lang="ja">`, "<h1>配信設定</h1>", "<td>メール</td><td>すべてのお知らせ</td>", "配信を停止する",
		"<h2>個人情報の利用目的</h2>", "<p>ご注文の配送のため</p>\n<p>新商品のご案内のため</p>"} {
		if !strings.Contains(p, want) {
			t.Errorf("the Japanese workspace's page lacks %s: %s", want, p)
		}
	}
	if _, err := b.store.ChangeProfile(ctx, "w", "u2", store.ProfileChange{Locale: "en-US"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if p := page("u2"); !strings.Contains(p, "<p>To deliver your orders</p>") || strings.Contains(p, "配信設定") {
		t.Errorf("a customer whose locale is en-US, in a Japanese workspace: %s", p)
	}
	setPurposes("ご注文の配送のため", "")
	if p := page("u2"); !strings.Contains(p, "<p>ご注文の配送のため</p>") {
		t.Errorf("purposes written only in Japanese, to an English reader: %s", p)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if status, p := b.do(t, "POST", link("u1"), form, "channel=email&topic=&status=opted_out"); status != 200 ||
		!strings.Contains(p, "保存しました: メール 配信停止中。") {
		t.Errorf("a change on the Japanese page = %d %s", status, p)
	}
}
