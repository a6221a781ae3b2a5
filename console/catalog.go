package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"

	"github.com/tabiji/tabiji/locale"
)

// The message catalogs, one JSON object per language (messages/ja.json,
// messages/en.json), key to text. Every string a page shows comes from
// them; TestCatalogsHaveTheSameKeys and TestPagesHoldNoBareText fail on a
// key missing from either language or a word written into a template.
//
//go:embed messages/*.json
var messageFS embed.FS

// catalogs are the parsed catalogs by language, read once at start.
var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range locale.Languages {
		b, err := messageFS.ReadFile("messages/" + lang + ".json")
		if err != nil {
			panic(err) // embedded: always there
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("console: catalog %s: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}()

// T is the message key in the language (English for any other), with args
// formatted into it as fmt.Sprintf does when given. A key missing from the
// catalog is written as itself in brackets, so a page shows the slip
// rather than failing; the catalog tests keep it from shipping.
func T(lang, key string, args ...any) string {
	msg, ok := catalogs[Lang(lang, "")][key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Lang is the language a page is written in: the person's, else the
// workspace's, else English.
func Lang(person, workspace string) string {
	for _, l := range []string{person, workspace} {
		if l == locale.Japanese || l == locale.English {
			return l
		}
	}
	return locale.English
}

var acceptMatcher = language.NewMatcher([]language.Tag{language.English, language.Japanese})

// AcceptLanguage is the language for a page shown before anyone has logged
// in (the login form): the browser's preference among ja and en.
func AcceptLanguage(header string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return locale.English
	}
	_, i, _ := acceptMatcher.Match(tags...)
	return []string{locale.English, locale.Japanese}[i]
}

// scriptMessages are the catalog's "js." keys in the language, the strings
// the pages' scripts show, handed to them as JSON in the page.
func scriptMessages(lang string) map[string]string {
	out := map[string]string{}
	for k, v := range catalogs[Lang(lang, "")] {
		if strings.HasPrefix(k, "js.") {
			out[k] = v
		}
	}
	return out
}

// keys lists a catalog's keys in order (for the tests).
func keys(lang string) []string {
	out := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
