package liquid

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestJapaneseFilters(t *testing.T) {
	hanako := map[string]any{"id": "u_123", "traits": map[string]any{"lastName": "山田", "firstName": "花子"}}
	bindings := map[string]any{
		"hanako":  hanako,
		"named":   map[string]any{"id": "u_2", "traits": map[string]any{"name": "Hanako Yamada"}},
		"kanji":   map[string]any{"id": "u_3", "traits": map[string]any{"name": "佐藤一郎"}},
		"snake":   map[string]any{"id": "u_4", "traits": map[string]any{"last_name": " 鈴木\n", "first_name": 42}},
		"nobody":  map[string]any{"id": "u_5"},
		"odd":     map[string]any{"id": "u_6", "traits": map[string]any{"firstName": map[string]any{"x": 1}, "lastName": []any{"a"}}},
		"long":    map[string]any{"traits": map[string]any{"lastName": strings.Repeat("長", 500)}},
		"html":    map[string]any{"traits": map[string]any{"firstName": "<b>Ann</b>"}},
		"total":   4800,
		"price":   "12,345",
		"cents":   1999.5,
		"neg":     -300,
		"huge":    1e300,
		"word":    "four thousand",
		"yes":     true,
		"none":    nil,
		"when":    time.Date(2026, 12, 6, 15, 30, 0, 0, time.UTC), // 2026-12-07 00:30 in Tokyo
		"day":     "2026-12-07",
		"stamp":   "2026-12-06T15:30:00Z",
		"local":   "2026-12-07 08:00:00",
		"unix":    1796600000,
		"bigunix": 1e17,
		"bad":     "2026-02-30",
	}
	for src, want := range map[string]string{
		"{{ hanako | honorific }}":                "山田 花子 様",
		"{{ named | honorific }}":                 "Hanako Yamada 様",
		"{{ kanji | honorific }}":                 "佐藤一郎 様",
		"{{ snake | honorific }}":                 "鈴木 様",
		"{{ nobody | honorific }}":                "お客様",
		"{{ odd | honorific }}":                   "お客様",
		"{{ none | honorific }}":                  "お客様",
		"{{ total | honorific }}":                 "お客様",
		"{{ nobody | honorific: '会員' }}":          "会員",
		"{{ hanako.traits | honorific }}":         "山田 花子 様",
		"{{ '田中' | honorific }}":                  "田中 様",
		"{{ long | honorific }}":                  strings.Repeat("長", maxNameRunes) + " 様",
		"{{ hanako | first_name: 'there' }}":      "花子",
		"{{ named | first_name }}":                "Hanako",
		"{{ kanji | first_name: 'there' }}":       "there",
		"{{ nobody | first_name: 'there' }}":      "there",
		"{{ none | first_name }}":                 "",
		"{{ html | first_name }}":                 "&lt;b&gt;Ann&lt;/b&gt;",
		"{{ total | yen }}":                       "¥4,800",
		"{{ total | yen: '円' }}":                  "4,800円",
		"{{ price | yen }}":                       "¥12,345",
		"{{ cents | yen: '円' }}":                  "2,000円",
		"{{ neg | yen }}":                         "-¥300",
		"{{ huge | yen }}":                        "",
		"{{ word | yen }}":                        "",
		"{{ yes | yen }}":                         "",
		"{{ none | yen }}":                        "",
		"{{ hanako | yen }}":                      "",
		"{{ none | yen | default: '—' }}":         "—",
		"{{ when | date_ja }}":                    "2026年12月7日(月)",
		"{{ when | date_ja: 'UTC' }}":             "2026年12月6日(日)",
		"{{ when | date_ja: 'Mars/Olympus' }}":    "2026年12月7日(月)",
		"{{ day | date_ja }}":                     "2026年12月7日(月)",
		"{{ day | date_ja: 'America/New_York' }}": "2026年12月7日(月)",
		"{{ stamp | date_ja }}":                   "2026年12月7日(月)",
		"{{ local | date_ja }}":                   "2026年12月7日(月)",
		"{{ unix | date_ja }}":                    "2026年12月7日(月)",
		"{{ bigunix | date_ja }}":                 "",
		"{{ bad | date_ja }}":                     "",
		"{{ word | date_ja }}":                    "",
		"{{ none | date_ja }}":                    "",
		"{{ hanako | date_ja }}":                  "",
	} {
		got, err := testEngine.RenderHTML(context.Background(), src, bindings)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
}
