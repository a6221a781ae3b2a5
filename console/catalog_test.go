package console

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"github.com/tabiji/tabiji/locale"
)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	ja, en := keys(locale.Japanese), keys(locale.English)
	for _, k := range en {
		if _, ok := catalogs[locale.Japanese][k]; !ok {
			t.Errorf("%q is in the English catalog, not the Japanese one", k)
		}
	}
	for _, k := range ja {
		if _, ok := catalogs[locale.English][k]; !ok {
			t.Errorf("%q is in the Japanese catalog, not the English one", k)
		}
	}
	for _, lang := range locale.Languages {
		for k, v := range catalogs[lang] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
			if strings.Count(v, "%") != strings.Count(catalogs[locale.English][k], "%") {
				t.Errorf("%s: %q has other verbs than English: %q", lang, k, v)
			}
		}
	}
}

// dynamicKeys are the keys templates build with printf from data, by prefix,
// and every value the data can take.
var dynamicKeys = map[string][]string{
	"status.":         {"draft", "active", "paused", "archived"},
	"role.":           {RoleOwner, RoleMarketer, RoleAnalyst, RoleDeveloper},
	"kind.":           {"event", "message", "step"},
	"lang.":           locale.Languages,
	"journey.exp.":    {"holdout", "global_control"},
	"outcome.":        {"unknown", "succeeded", "refused", "failed"},
	"actor.":          {"person", "key"},
	"approval.kind.":  {ApprovalJourneyActivate, ApprovalBroadcastSchedule},
	"approval.state.": {"pending", "approved", "rejected", "failed"},
	// The segment pages (segments.html, segment-builder.js, segment-event.js).
	"segments.use.":       {"segment", "journey", "broadcast", "rich_menu"},
	"segments.status.":    {"draft", "active", "paused", "archived", "scheduled", "sending", "completed", "cancelled", "failed"},
	"segment.channel.":    {"email", "line", "push", "sms"},
	"js.seg.op.":          {"eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "anniversary"},
	"js.seg.mode.":        {"all", "any", "none"},
	"js.seg.kind.":        {"trait", "event", "tag", "segment", "group"},
	"js.seg.window.":      {"any", "last_days", "older_than_days", "between", "calendar_months", "several"},
	"js.seg.bound.":       {"last_days", "older_than_days", "after", "before", "calendar_months"},
	"js.seg.window.n.":    {"last_days", "older_than_days", "calendar_months"},
	"js.seg.window.unit.": {"last_days", "older_than_days", "calendar_months"},
	"js.seg.measure.":     {"none", "count", "sum", "avg", "top", "first", "last", "each_month"},
	"bstatus.":            {"draft", "scheduled", "sending", "paused", "completed", "cancelled", "failed"},
	"msgt.ch.":            {"email", "line", "push", "sms"},
	"js.msgt.block.":      {"header", "text", "image", "button", "products", "coupon", "footer"},
	"js.msgt.line.":       {"text", "image", "flex", "template", "imagemap", "sticker"},
	"js.msgt.f.": {"title", "logo", "color", "text", "image", "alt", "link", "label", "products", "linklabel", "code",
		"footer", "unsubscribe", "preview", "flex", "quick"},
	// The quarantine (quarantine.html, quarantined.html, quarantine.js): taxonomy's rule codes and the call's states.
	"js.quarantine.rule.":   {"unknown", "blocked", "deprecated", "required", "type", "enum", "format", "naming"},
	"js.quarantine.status.": {"quarantined", "fixed", "released", "dropped"},
}

// usedKeys are the keys the templates and scripts name literally.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	literal := regexp.MustCompile(`\bt "([a-z0-9_.]+)"`)
	script := regexp.MustCompile(`\bt\("([a-z0-9_.]+)"`)
	scan := func(root fs.FS, pattern *regexp.Regexp, suffix string) {
		err := fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, suffix) {
				return err
			}
			b, err := fs.ReadFile(root, path)
			for _, m := range pattern.FindAllStringSubmatch(string(b), -1) {
				out[m[1]] = path
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	scan(templateFS, literal, ".html")
	scan(templateFS, regexp.MustCompile(`data-confirm="([a-z0-9_.]+)"`), ".html")
	scan(Assets(), script, ".js")
	for prefix, values := range dynamicKeys {
		for _, v := range values {
			out[prefix+v] = "data"
		}
	}
	return out
}

func TestEveryKeyThePagesUseIsInBothCatalogs(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found only %d keys: is the pattern still right?", len(used))
	}
	for k, where := range used {
		for _, lang := range locale.Languages {
			if _, ok := catalogs[lang][k]; !ok {
				t.Errorf("%s uses %q, missing from the %s catalog", where, k, lang)
			}
		}
	}
	for _, lang := range locale.Languages {
		if !strings.HasPrefix(T(lang, "no.such.key"), "[") {
			t.Errorf("a missing key is not written in brackets")
		}
	}
}

// allowedText is what a template may write outside the catalogs: the
// product's name and punctuation.
var allowedText = []string{"Tabiji", "JSON"}

var actions = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// TestPagesHoldNoBareText fails when a template writes a word itself, in
// its text or in an attribute people read, instead of taking it from the
// catalogs.
func TestPagesHoldNoBareText(t *testing.T) {
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(entries) == 0 {
		t.Fatalf("templates: %v %v", entries, err)
	}
	for _, name := range entries {
		b, _ := fs.ReadFile(templateFS, name)
		z := html.NewTokenizer(strings.NewReader(actions.ReplaceAllString(string(b), "")))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			tok := z.Token()
			switch tt {
			case html.TextToken:
				if hasWords(tok.Data) {
					t.Errorf("%s: bare text %q", name, strings.TrimSpace(tok.Data))
				}
			case html.StartTagToken, html.SelfClosingTagToken:
				for _, a := range tok.Attr {
					if slices.Contains([]string{"aria-label", "title", "placeholder", "alt", "label"}, a.Key) && hasWords(a.Val) {
						t.Errorf("%s: <%s %s=%q> is not from the catalog", name, tok.Data, a.Key, a.Val)
					}
				}
			}
		}
	}
}

var urlPath = regexp.MustCompile(`^/[\w/.-]*$`)

func hasWords(s string) bool {
	if urlPath.MatchString(strings.TrimSpace(s)) {
		return false // an API path shown as itself
	}
	for _, w := range allowedText {
		s = strings.ReplaceAll(s, w, "")
	}
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

func TestLang(t *testing.T) {
	for _, c := range []struct{ person, workspace, want string }{
		{"ja", "en", "ja"}, {"", "ja", "ja"}, {"", "", "en"}, {"fr", "de", "en"}, {"en", "ja", "en"},
	} {
		if got := Lang(c.person, c.workspace); got != c.want {
			t.Errorf("Lang(%q, %q) = %q, want %q", c.person, c.workspace, got, c.want)
		}
	}
	if got := AcceptLanguage("ja-JP,ja;q=0.9,en;q=0.8"); got != "ja" {
		t.Errorf("a Japanese browser gets %q", got)
	}
	if got := AcceptLanguage("fr-FR"); got != "en" {
		t.Errorf("a French browser gets %q", got)
	}
}
