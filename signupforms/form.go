// Package signupforms is a workspace's hosted, embeddable sign-up form:
// what it holds (the consent topic, the event it records, double opt-in,
// its title and consent wording in Japanese and English), what a
// submission must carry, and what a submission does (identify the
// customer, record the opt-in with its wording as evidence, record the
// sign-up event that journeys enter on). The API serves its page.
package signupforms

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// Languages are the languages a form's page is written in.
var Languages = []string{"ja", "en"}

// DefaultEvent is the event a form records unless it names another; the
// double opt-in journey template enters on it.
const DefaultEvent = "signed_up"

// Source is the consent source of a form's opt-in.
const Source = "signup_form"

// Defaults of a form's copy, per language.
var (
	DefaultTitle = map[string]string{
		"ja": "メールマガジンのご登録",
		"en": "Sign up for our newsletter",
	}
	DefaultWording = map[string]string{
		"ja": "お知らせやお得な情報をメールで受け取ることに同意します。配信はいつでも停止できます。",
		"en": "I agree to receive news and offers by email. I can unsubscribe at any time.",
	}
)

// Limits on what a form holds.
const (
	maxTitle   = 200
	maxWording = 2000
	maxTopic   = 200
	maxEvent   = 200
)

// Prepare checks a form an admin sends and fills what it leaves out (the
// event, each language's title and wording); its error is jsonfields.Errors.
func Prepare(f store.SignupForm) (store.SignupForm, error) {
	var errs jsonfields.Errors
	f.Topic, f.Event = strings.TrimSpace(f.Topic), strings.TrimSpace(f.Event)
	if f.Event == "" {
		f.Event = DefaultEvent
	}
	checkText(&errs, "topic", f.Topic, maxTopic)
	checkText(&errs, "event", f.Event, maxEvent)
	f.Title = perLanguage(&errs, "title", f.Title, DefaultTitle, maxTitle)
	f.Wording = perLanguage(&errs, "wording", f.Wording, DefaultWording, maxWording)
	if len(errs) > 0 {
		return f, errs
	}
	return f, nil
}

// perLanguage fills each language's text from defaults and refuses a
// language the page is not written in.
func perLanguage(errs *jsonfields.Errors, field string, in, defaults map[string]string, limit int) map[string]string {
	out := map[string]string{}
	for lang, text := range in {
		if _, ok := defaults[lang]; !ok {
			errs.Add(field+"."+lang, "is not a language of the form: ja or en")
			continue
		}
		out[lang] = strings.TrimSpace(text)
		checkText(errs, field+"."+lang, out[lang], limit)
	}
	for lang, text := range defaults {
		if out[lang] == "" {
			out[lang] = text
		}
	}
	return out
}

func checkText(errs *jsonfields.Errors, field, s string, limit int) {
	switch {
	case utf8.RuneCountInString(s) > limit || !utf8.ValidString(s):
		errs.Add(field, fmt.Sprintf("must be valid text of at most %d characters", limit))
	case strings.ContainsFunc(s, unicode.IsControl):
		errs.Add(field, "must not contain control characters")
	}
}

// Language is the page's language: lang when it is one, else the best
// match of the Accept-Language header (golang.org/x/text/language), else
// the workspace's.
func Language(lang, acceptLanguage, workspace string) string {
	if isLanguage(lang) {
		return lang
	}
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
		if _, i, conf := pageLanguages.Match(tags...); conf != language.No {
			return []string{"en", "ja"}[i]
		}
	}
	if isLanguage(workspace) {
		return workspace
	}
	return "en"
}

var pageLanguages = language.NewMatcher([]language.Tag{language.English, language.Japanese})

func isLanguage(s string) bool { return s == "ja" || s == "en" }
