// Package openapi is Tabiji's own HTTP API description: an OpenAPI 3.1
// document (tabiji.yaml) describing every route of api/routes.go, whose
// journey definitions are the JSON Schema in schemas/. It is loaded and
// validated with kin-openapi and served as one self-contained JSON document
// at GET /v1/openapi.json, so users can generate clients from it.
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"path"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tabiji/tabiji/schemas"
)

// Source is the description as written, in YAML.
//
//go:embed tabiji.yaml
var Source []byte

// journeySchemaFile is the name tabiji.yaml gives schemas/journey.schema.json
// in its $refs.
const journeySchemaFile = "journey.schema.json"

// journeyComponent is the component that holds the journey schema.
const journeyComponent = "JourneyDefinition"

// Load reads the description, resolves the journey schema it refers to and
// validates the whole with kin-openapi.
func Load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.ReadFromURIFunc = readEmbedded
	doc, err := loader.LoadFromDataWithPath(Source, &url.URL{Path: "tabiji.yaml"})
	if err != nil {
		return nil, fmt.Errorf("openapi: unable to load tabiji.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: tabiji.yaml is not a valid description: %w", err)
	}
	return doc, nil
}

// JSON is the description as one JSON document with no external $ref (the
// journey schema becomes a component), the form GET /v1/openapi.json serves.
func JSON(ctx context.Context) ([]byte, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	doc.InternalizeRefs(ctx, nil)
	// The journey schema's $defs are components now, and its refs point at
	// them: its own $id would make those refs resolve against
	// tabiji.dev rather than this document.
	if js := doc.Components.Schemas[journeyComponent]; js != nil && js.Value != nil {
		js.Value.SchemaID, js.Value.SchemaDialect, js.Value.Defs = "", "", nil
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: unable to write the description as JSON: %w", err)
	}
	return body, nil
}

// readEmbedded reads the files tabiji.yaml refers to from the binary: only
// the journey schema, never the file system or the network.
func readEmbedded(_ *openapi3.Loader, location *url.URL) ([]byte, error) {
	if location.Host == "" && path.Base(location.Path) == journeySchemaFile {
		return schemas.JourneySchema, nil
	}
	return nil, fmt.Errorf("openapi: %s is not a file the description may refer to", location)
}
