package console

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/schemas"
)

var scriptJSON = regexp.MustCompile(`(?s)<script type="application/json" id="([a-z-]+)">(.*?)</script>`)

// TestEditorCarriesTheDefinitionAsStored renders the editor in both
// languages and for every role, and reads back the definition and schema
// the page hands its script: the same JSON as given, even with markup in
// its strings, and no key missing from the catalogs.
func TestEditorCarriesTheDefinitionAsStored(t *testing.T) {
	def := json.RawMessage(`{"entry":{"event":"signup"},"nodes":[{"id":"hi","kind":"send","channel":"email","template":{"subject":"</script><b>&","body":"{{ customer.id }} <a href=\"x\">"},"next":"done"},{"id":"done","kind":"exit"}]}`)
	for _, lang := range locale.Languages {
		for _, role := range []string{RoleOwner, RoleMarketer, RoleAnalyst} {
			f := Frame{Lang: lang, Role: role, CSRF: "tok", Zone: time.UTC, Currency: "JPY"}
			for _, p := range []EditorPage{{Frame: f, Editable: f.Can("journeys")}, {Frame: f, ID: "welcome", Name: "Welcome", Status: "draft", Version: 3, Definition: def, Editable: f.Can("journeys")}} {
				var b bytes.Buffer
				if err := Editor(&b, p); err != nil {
					t.Fatal(err)
				}
				page := b.String()
				if m := missingKey.FindString(page); m != "" {
					t.Errorf("%s (%s) shows %s: a key missing from the catalog", lang, role, m)
				}
				got := map[string]any{}
				for _, m := range scriptJSON.FindAllStringSubmatch(page, -1) {
					var v any
					if err := json.Unmarshal([]byte(m[2]), &v); err != nil {
						t.Fatalf("script %s is not JSON: %v", m[1], err)
					}
					got[m[1]] = v
				}
				var want, schema any
				_ = json.Unmarshal(p.DefinitionJSON(), &want)
				_ = json.Unmarshal(schemas.JourneySchema, &schema)
				if !reflect.DeepEqual(got["definition"], want) || !reflect.DeepEqual(got["journey-schema"], schema) {
					t.Errorf("the page hands its script %v, want %v", got["definition"], want)
				}
				if msgs, ok := got["messages"].(map[string]any); !ok || msgs["js.editor.added"] == nil {
					t.Errorf("the page hands its scripts the messages as %T, without js.editor.added", got["messages"])
				}
				if strings.Contains(page, `id="save"`) != p.Editable {
					t.Errorf("a %s sees a save button: %v", role, !p.Editable)
				}
			}
		}
	}
}

// TestEverySchemaFieldHasALabel: the editor's forms are generated from the
// journey JSON Schema and label each field with js.editor.field.<name>,
// so every property the schema names needs that key in both catalogs.
func TestEverySchemaFieldHasALabel(t *testing.T) {
	var schema any
	if err := json.Unmarshal(schemas.JourneySchema, &schema); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				if props, ok := sub.(map[string]any); ok && k == "properties" {
					for name := range props {
						names[name] = true
					}
				}
				walk(sub)
			}
		case []any:
			for _, sub := range v {
				walk(sub)
			}
		}
	}
	walk(schema)
	if len(names) < 50 {
		t.Fatalf("found only %d properties in the schema", len(names))
	}
	for name := range names {
		for _, lang := range locale.Languages {
			if _, ok := catalogs[lang]["js.editor.field."+name]; !ok {
				t.Errorf("the %s catalog lacks js.editor.field.%s", lang, name)
			}
		}
	}
}
