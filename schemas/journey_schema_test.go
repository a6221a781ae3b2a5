package schemas_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/schemas"
)

func compileJourneySchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.JourneySchema))
	if err != nil {
		t.Fatalf("journey.schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("journey.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("journey.schema.json")
	if err != nil {
		t.Fatalf("compile journey.schema.json: %v", err)
	}
	return s
}

// asJSONValue turns a Go value into what the schema library validates:
// the result of decoding its JSON.
func asJSONValue(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestJourneySchema(t *testing.T) {
	s := compileJourneySchema(t)

	t.Run("EveryTemplateValidates", func(t *testing.T) {
		for _, tpl := range journeytemplates.List() {
			params := map[string]any{}
			for _, p := range tpl.Params {
				if p.Required {
					params[p.Name] = "https://example.com/" + p.Name
				}
			}
			d, err := tpl.Render(params)
			if err != nil {
				t.Fatalf("%s: %v", tpl.Name, err)
			}
			if err := s.Validate(asJSONValue(t, d)); err != nil {
				t.Errorf("%s: %v", tpl.Name, err)
			}
		}
	})
	t.Run("EveryExampleAndTestDefinitionValidates", func(t *testing.T) {
		files := globs(t, "../journey/examples/*.json", "../journey/examples/*.yaml", "../journey/testdata/*.yaml", "../journey/testdata/*.json")
		if len(files) == 0 {
			t.Fatal("found no example journeys")
		}
		checked := 0
		for _, f := range files {
			def := definitionIn(t, f)
			if _, err := journey.Parse(def); err != nil {
				continue // a definition the Go parser refuses on purpose
			}
			checked++
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(def))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(v); err != nil {
				t.Errorf("%s: the Go parser accepts it, the schema does not: %v", f, err)
			}
		}
		if checked < 2 {
			t.Errorf("only %d of %v parse: the examples are broken", checked, files)
		}
	})
	t.Run("NodeKindsAreTheOnesTheParserAccepts", func(t *testing.T) {
		node := schemaDefs(t)["node"].(map[string]any)
		kinds := node["properties"].(map[string]any)["kind"].(map[string]any)["enum"].([]any)
		var got []string
		for _, k := range kinds {
			got = append(got, k.(string))
		}
		if !slices.Equal(got, journey.Kinds) {
			t.Errorf("schema kinds = %v, journey.Kinds = %v", got, journey.Kinds)
		}
		for _, k := range journey.Kinds {
			d := journey.Definition{Entry: journey.Entry{Event: "e"}, Nodes: []journey.Node{{ID: "a", Kind: k}}}
			if err := d.Validate(); err != nil && strings.Contains(err.Error(), "unknown kind") {
				t.Errorf("the Go parser refuses kind %q", k)
			}
		}
	})
	t.Run("FieldsAreTheGoTypesFields", func(t *testing.T) {
		defs := schemaDefs(t)
		var root map[string]any
		_ = json.Unmarshal(schemas.JourneySchema, &root)
		for name, typ := range map[string]reflect.Type{
			"definition": reflect.TypeFor[journey.Definition](), "entry": reflect.TypeFor[journey.Entry](),
			"node": reflect.TypeFor[journey.Node](), "reentry": reflect.TypeFor[journey.Reentry](),
			"exitCriteria": reflect.TypeFor[journey.ExitCriteria](), "goal": reflect.TypeFor[journey.Goal](),
			"quietHours": reflect.TypeFor[journey.QuietHours](), "template": reflect.TypeFor[journey.Template](),
			"eventMatch": reflect.TypeFor[journey.EventMatch](), "holdout": reflect.TypeFor[journey.Holdout](),
			"dateTrigger": reflect.TypeFor[journey.DateTrigger](),
		} {
			def := root
			if name != "definition" {
				def = defs[name].(map[string]any)
			}
			got := sortedKeys(def["properties"].(map[string]any))
			if want := jsonFields(typ); !slices.Equal(got, want) {
				t.Errorf("%s: schema properties %v, Go JSON fields %v", name, got, want)
			}
		}
	})
	t.Run("RefusesWhatTheParserRefuses", func(t *testing.T) {
		for name, doc := range map[string]string{
			"UnknownKind":       `{"entry":{"event":"e"},"nodes":[{"id":"a","kind":"sleep"}]}`,
			"UnknownField":      `{"entry":{"event":"e"},"nodes":[{"id":"a","kind":"exit","colour":"red"}]}`,
			"WaitWithoutNext":   `{"entry":{"event":"e"},"nodes":[{"id":"a","kind":"wait","duration":"1m"}]}`,
			"BadDuration":       `{"entry":{"event":"e"},"nodes":[{"id":"a","kind":"wait","duration":"soon","next":"a"}]}`,
			"EventAndAPIEntry":  `{"entry":{"event":"e","api":true},"nodes":[{"id":"a","kind":"exit"}]}`,
			"NoNodes":           `{"entry":{"event":"e"},"nodes":[]}`,
			"SendWithoutBody":   `{"entry":{"event":"e"},"nodes":[{"id":"a","kind":"send","channel":"email","template":{"subject":"s"},"next":"b"},{"id":"b","kind":"exit"}]}`,
			"CooldownWithoutIt": `{"entry":{"event":"e"},"reentry":{"mode":"cooldown"},"nodes":[{"id":"a","kind":"exit"}]}`,
			"HoldoutOfAll":      `{"entry":{"event":"e"},"holdout":{"percent":100},"nodes":[{"id":"a","kind":"exit"}]}`,
		} {
			if _, err := journey.Parse([]byte(doc)); err == nil {
				t.Errorf("%s: the Go parser accepts it; the case is wrong", name)
			}
			v, _ := jsonschema.UnmarshalJSON(strings.NewReader(doc))
			if err := s.Validate(v); err == nil {
				t.Errorf("%s: the schema accepts %s", name, doc)
			}
		}
	})
}

func schemaDefs(t *testing.T) map[string]any {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(schemas.JourneySchema, &root); err != nil {
		t.Fatal(err)
	}
	return root["$defs"].(map[string]any)
}

// jsonFields lists the JSON names of a struct's fields, embedded structs'
// fields included, as encoding/json sees them.
func jsonFields(typ reflect.Type) []string {
	var names []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case f.Anonymous && tag == "":
			names = append(names, jsonFields(f.Type)...)
		case tag != "":
			names = append(names, tag)
		default:
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	return names
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func globs(t *testing.T, patterns ...string) []string {
	t.Helper()
	var out []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

// definitionIn reads a definition file (JSON or YAML) as JSON; files shaped
// {id, name, definition} give their definition.
func definitionIn(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journey.ToJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var wrapper struct {
		Definition json.RawMessage `json:"definition"`
	}
	if json.Unmarshal(j, &wrapper) == nil && len(wrapper.Definition) > 0 {
		return wrapper.Definition
	}
	return j
}
