package journey

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tabiji/tabiji/jsonfields"
	"gopkg.in/yaml.v3"
)

// ToJSON turns a definition written in YAML into JSON, so that YAML and JSON
// go through the one strict decoder and errors name the same field paths.
// JSON is valid YAML, so JSON input comes back unchanged in meaning.
func ToJSON(raw []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return raw, nil
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, Invalid(jsonfields.Errors{{Field: "definition", Message: fmt.Sprintf("malformed YAML: %v", err)}})
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, Invalid(jsonfields.Errors{{Field: "definition", Message: fmt.Sprintf("YAML that has no JSON form: %v", err)}})
	}
	return out, nil
}

// ParseYAML reads a definition written in YAML or JSON and validates it.
func ParseYAML(raw []byte) (Definition, error) {
	j, err := ToJSON(raw)
	if err != nil {
		return Definition{}, err
	}
	return Parse(j)
}

// ToYAML writes a JSON definition as YAML for a person to read and edit,
// keeping its keys in their order; ToJSON of the result is the same value
// (strings that YAML would read as something else are quoted).
func ToYAML(raw []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("read the JSON: %w", err)
	}
	blockStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write the YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write the YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// blockStyle drops the JSON's flow style and quotes, so the encoder
// writes block mappings and lists and quotes only where YAML needs it.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
