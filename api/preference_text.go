package api

import (
	"strings"

	"github.com/tabiji/tabiji/store"
)

// preferenceText is the preference page's wording, one catalog per
// language; TestPreferenceTextCatalogsMatch keeps their keys the same.
var preferenceText = map[string]map[string]string{
	"en": {
		"title": "Your message preferences", "saved": "Saved", "end": ".",
		"channel": "Channel", "topic": "Topic", "status": "Status", "all": "all messages",
		"subscribed": "subscribed", "unsubscribed": "unsubscribed", "subscribe": "Subscribe", "unsubscribe": "Unsubscribe",
		"email": "email", "line": "line", "push": "push",
		"purposes": "How we use your personal information",
	},
	"ja": {
		"title": "配信設定", "saved": "保存しました", "end": "。",
		"channel": "配信方法", "topic": "内容", "status": "状態", "all": "すべてのお知らせ",
		"subscribed": "配信中", "unsubscribed": "配信停止中", "subscribe": "受け取る", "unsubscribe": "配信を停止する",
		"email": "メール", "line": "LINE", "push": "プッシュ通知",
		"purposes": "個人情報の利用目的",
	},
}

// preferenceLanguage is the page's language for a locale: Japanese for
// ja and ja-*, English otherwise.
func preferenceLanguage(locale string) string {
	l := strings.ToLower(locale)
	if l == "ja" || strings.HasPrefix(l, "ja-") || strings.HasPrefix(l, "ja_") {
		return "ja"
	}
	return "en"
}

// purposesIn is the workspace's purposes of use in lang, else in the other
// language, as paragraphs (one a line); none when the workspace states
// none.
func purposesIn(lang string, p store.PreferencePage) []string {
	text := p.PurposesEN
	if lang == "ja" && p.PurposesJA != "" || text == "" {
		text = p.PurposesJA
	}
	var paras []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			paras = append(paras, line)
		}
	}
	return paras
}
