package providertest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxDepth bounds the walk: LINE's flex boxes nest, but not this deep.
const maxDepth = 64

// walker checks what openapi3filter leaves unchecked: a schema with a
// discriminator mapping (LINE's Message, Action, FlexContainer,
// FlexComponent, …) is validated by kin-openapi as the bare base schema, so
// a text message without "text" or an unknown type would pass. The walker
// follows the body, and wherever a schema has a mapping it validates the
// value against the mapped schema, to any depth.
type walker struct {
	doc  *openapi3.T
	opts []openapi3.SchemaValidationOption
}

// check walks a JSON body with the operation's request body schema.
func (w walker) check(op *openapi3.Operation, body []byte) error {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return w.walk(mt.Schema.Value, v, "body", 0)
}

func (w walker) walk(s *openapi3.Schema, v any, path string, depth int) error {
	if s == nil || depth > maxDepth {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		concrete, err := w.dispatch(s, val, path)
		if err != nil {
			return err
		}
		for name, child := range val {
			if err := w.walk(property(concrete, name, 0), child, path+"."+name, depth+1); err != nil {
				return err
			}
		}
	case []any:
		if s.Items == nil {
			return nil
		}
		for i, item := range val {
			if err := w.walk(s.Items.Value, item, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// dispatch validates an object against the schema its discriminator names
// and returns that schema; s itself when s has no mapping.
func (w walker) dispatch(s *openapi3.Schema, val map[string]any, path string) (*openapi3.Schema, error) {
	d := s.Discriminator
	if d == nil || len(d.Mapping) == 0 {
		return s, nil
	}
	kind, _ := val[d.PropertyName].(string)
	ref, ok := d.Mapping[kind]
	if !ok {
		return nil, fmt.Errorf("%s.%s: %q is not a documented type", path, d.PropertyName, kind)
	}
	sub := ref.Value
	if sub == nil {
		if named := w.doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]; named != nil {
			sub = named.Value
		}
	}
	if sub == nil {
		return nil, fmt.Errorf("%s: the description maps %q to %s, which it does not define", path, kind, ref.Ref)
	}
	if err := sub.VisitJSON(val, w.opts...); err != nil {
		return nil, fmt.Errorf("%s (type %q): %w", path, kind, err)
	}
	return sub, nil
}

// property finds a property's schema in s or in the schemas s extends
// (allOf).
func property(s *openapi3.Schema, name string, depth int) *openapi3.Schema {
	if s == nil || depth > maxDepth {
		return nil
	}
	if p := s.Properties[name]; p != nil {
		return p.Value
	}
	for _, part := range s.AllOf {
		if p := property(part.Value, name, depth+1); p != nil {
			return p
		}
	}
	return nil
}
