package openapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// TestDescriptionLoadsAndValidates loads tabiji.yaml with kin-openapi,
// validates it as OpenAPI 3.1 and checks that its served JSON form is
// self-contained and loads again.
func TestDescriptionLoadsAndValidates(t *testing.T) {
	ctx := context.Background()
	doc, err := Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q: the description is OpenAPI 3.1", doc.OpenAPI)
	}
	body, err := JSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("the served description is not JSON: %v", err)
	}
	t.Logf("%d bytes", len(body))
}

// TestServedJourneySchemaValidates checks the served description's journey
// definitions with JSON Schema 2020-12, as openapi3filter does for an
// OpenAPI 3.1 document: the shipped examples pass, a definition without
// nodes does not.
func TestServedJourneySchemaValidates(t *testing.T) {
	ctx := context.Background()
	body, err := JSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("the served description does not load: %v", err)
	}
	journey := doc.Components.Schemas[journeyComponent].Value
	files, err := filepath.Glob("../journey/examples/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no journey examples: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var example struct {
			Definition any `json:"definition"`
		}
		if err := json.Unmarshal(raw, &example); err != nil {
			t.Fatal(err)
		}
		if err := journey.VisitJSON(example.Definition, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s: the served journey schema refuses a shipped example: %v", f, err)
		}
	}
	broken := map[string]any{"entry": map[string]any{"event": "x"}}
	if err := journey.VisitJSON(broken, openapi3.EnableJSONSchema2020()); err == nil {
		t.Error("the served journey schema takes a definition without nodes")
	}
}

// TestDescriptionHasNoDuplicateKey decodes tabiji.yaml with yaml.v3, which
// refuses a mapping key given twice: kin-openapi's loader keeps one of the
// two silently, so a path described twice (two changes landing together)
// would otherwise pass with one description lost.
func TestDescriptionHasNoDuplicateKey(t *testing.T) {
	var doc map[string]any
	if err := yaml.Unmarshal(Source, &doc); err != nil {
		t.Fatalf("tabiji.yaml: %v (describe each path and key once)", err)
	}
	bad := append([]byte("paths:\n  /a:\n    get: {}\n  /a:\n    post: {}\n"), '\n')
	if err := yaml.Unmarshal(bad, &doc); err == nil {
		t.Fatal("yaml.v3 accepted a duplicate path: this check would not see one")
	}
}
