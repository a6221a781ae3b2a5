package journey

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestYAMLRoundTripIsExact: every example definition written as YAML by
// ToYAML and read back by ToJSON is the same value, and so are strings
// YAML would otherwise read as something else.
func TestYAMLRoundTripIsExact(t *testing.T) {
	t.Parallel()
	docs := map[string][]byte{
		"awkward strings": []byte(`{"entry": {"event": "yes", "filter": "event.properties.x == 'a: b'"}, "nodes": [{"id": "n", "kind": "send",
			"template": {"subject": "null", "body": "line one\nline two  with  spaces \n\n{{ customer.id }}\t", "html": "` + strings.Repeat("long words  and ", 20) + `"},
			"channel": "email", "topic": "08:00", "to": "0x1F", "next": "1e3"}, {"id": "w", "kind": "wait", "duration": "-1", "next": "~"}],
			"variables": {"n": 1.5, "i": 10, "t": true, "nothing": null, "list": [], "map": {}, "unicode": "旅路 \u00e9"}}`),
	}
	files, err := filepath.Glob("examples/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range append(files, "testdata/every_kind.yaml") {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = ToJSON(raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		docs[f] = raw
	}
	for name, raw := range docs {
		t.Run(name, func(t *testing.T) {
			y, err := ToYAML(raw)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(y), "{\"") {
				t.Errorf("the YAML keeps JSON's flow style:\n%s", y)
			}
			back, err := ToJSON(y)
			if err != nil {
				t.Fatalf("%v in\n%s", err, y)
			}
			var want, got any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(back, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("YAML\n%s\nreads back as\n%s\nnot\n%s", y, back, raw)
			}
		})
	}
}
