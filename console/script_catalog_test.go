package console

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

// TestScriptsGetTheCatalogAsAnObject: the page hands its scripts the
// language's "js." messages as a JSON object (JSON.parse of the element's
// text gives the catalog, not a string), which no message can close.
func TestScriptsGetTheCatalogAsAnObject(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		var buf bytes.Buffer
		if err := Settings(&buf, SettingsPage{Frame: Frame{Lang: lang, CSRF: "token"}, WorkspaceLang: lang}); err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?s)<script type="application/json" id="messages">(.*?)</script>`).FindStringSubmatch(buf.String())
		if m == nil {
			t.Fatalf("%s: no messages element", lang)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(m[1]), &got); err != nil {
			t.Fatalf("%s: the messages are not a JSON object: %v\n%.200s", lang, err, m[1])
		}
		if want := scriptMessages(lang); len(got) != len(want) || got["js.error"] != want["js.error"] || got["js.error"] == "" {
			t.Errorf("%s: %d messages, want %d with js.error %q", lang, len(got), len(want), want["js.error"])
		}
	}
}
