package segments_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/taxonomy"
)

// TestExamplesAreValid reads every file of examples/segments as the CLI
// and the API would, and checks it against a shop's taxonomy.
func TestExamplesAreValid(t *testing.T) {
	files, err := filepath.Glob("../examples/segments/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	tax := &taxonomy.Taxonomy{UnknownEvents: taxonomy.Reject, Events: []taxonomy.EventDef{{Name: "purchase", Strict: true,
		Properties: []taxonomy.PropertyDef{{Name: "total", Type: taxonomy.Number}}}}}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var file struct {
			ID, Name, Description string
			Definition            json.RawMessage
		}
		if err := json.Unmarshal(raw, &file); err != nil || file.ID == "" || file.Name == "" || file.Description == "" {
			t.Errorf("%s: %v (id, name and description are required)", f, err)
			continue
		}
		d, err := segments.Parse(file.Definition)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if errs := segments.Validate(d, segments.Env{Taxonomy: tax, Self: file.ID}); len(errs) > 0 {
			t.Errorf("%s: %v", f, errs)
		}
	}
}
