package taxonomy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"gopkg.in/yaml.v3"
)

// Enum lists the values a property may take, written as strings; numbers
// in a sheet (enum: [1, 2]) are read as their text.
type Enum []string

// UnmarshalJSON reads strings, numbers and booleans as their text.
func (e *Enum) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Enum, len(raw))
	for i, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			out[i] = s
			continue
		}
		t := strings.TrimSpace(string(r))
		if t == "" || t[0] == '{' || t[0] == '[' || t == "null" {
			return fmt.Errorf("enum[%d] must be a string or a number", i)
		}
		out[i] = t
	}
	*e = out
	return nil
}

// Normalize puts the sheet in its one canonical form: events and
// properties sorted by name, every default spelled out. Two sheets that
// differ only in order or in defaults left out normalize to the same value;
// exports are normalized, so export → import is the identity.
func (t *Taxonomy) Normalize() {
	t.UnknownEvents = cmp.Or(t.UnknownEvents, DefaultUnknownEvents)
	t.InvalidTraits = cmp.Or(t.InvalidTraits, DefaultInvalidTraits)
	if !t.Naming.IsZero() {
		t.Naming.OnViolation = cmp.Or(t.Naming.OnViolation, Reject)
	}
	if t.Events == nil {
		t.Events = []EventDef{}
	}
	if t.UserProperties == nil {
		t.UserProperties = []PropertyDef{}
	}
	for i := range t.Events {
		e := &t.Events[i]
		e.Status = cmp.Or(e.Status, Active)
		e.OnInvalid = cmp.Or(e.OnInvalid, DefaultOnInvalid)
		if len(e.Properties) == 0 {
			e.Properties = nil
		}
		sortProps(e.Properties)
	}
	slices.SortFunc(t.Events, func(a, b EventDef) int { return strings.Compare(a.Name, b.Name) })
	sortProps(t.UserProperties)
	t.idx = nil
}

func sortProps(ps []PropertyDef) {
	for i := range ps {
		if len(ps[i].Enum) == 0 {
			ps[i].Enum = nil
		}
	}
	slices.SortFunc(ps, func(a, b PropertyDef) int { return strings.Compare(a.Name, b.Name) })
}

// ParseYAML reads a design sheet in YAML, refusing unknown fields, and
// validates it. Its errors are a ValidationError naming the field.
func ParseYAML(data []byte) (*Taxonomy, error) {
	var t Taxonomy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&t)
	if errors.Is(err, io.EOF) {
		// Applying a sheet replaces the whole taxonomy: an empty file is far
		// more likely a mistake than a wish to delete everything.
		return nil, DecodeError{{Field: "sheet", Message: "is empty: to remove every definition, write events: []"}}
	}
	if err != nil {
		return nil, DecodeError{{Field: "sheet", Message: "is not a valid YAML sheet: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	return validated(&t)
}

// ParseJSON reads a design sheet in JSON, refusing unknown fields, and
// validates it.
func ParseJSON(data []byte) (*Taxonomy, error) {
	var t Taxonomy
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, DecodeError{jsonError(err)}
	}
	return validated(&t)
}

func validated(t *Taxonomy) (*Taxonomy, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	t.Normalize()
	return t, nil
}

func jsonError(err error) jsonfields.Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return jsonfields.Error{Field: cmp.Or(typeErr.Field, "sheet"), Message: "has the wrong JSON type: " + typeErr.Value}
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return jsonfields.Error{Field: "sheet", Message: "is not valid JSON: " + err.Error()}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return jsonfields.Error{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Message: "unknown field"}
	default:
		return jsonfields.Error{Field: "sheet", Message: err.Error()}
	}
}

// ExportYAML writes the sheet, normalized, as YAML.
func (t *Taxonomy) ExportYAML() ([]byte, error) {
	n := t.Clone()
	n.Normalize()
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("taxonomy: encode yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("taxonomy: encode yaml: %w", err)
	}
	return b.Bytes(), nil
}

// Clone returns a deep copy of t, uncompiled.
func (t *Taxonomy) Clone() *Taxonomy {
	c := &Taxonomy{UnknownEvents: t.UnknownEvents, InvalidTraits: t.InvalidTraits, Naming: t.Naming}
	c.Events = make([]EventDef, len(t.Events))
	for i, e := range t.Events {
		e.Properties = cloneProps(e.Properties)
		c.Events[i] = e
	}
	c.UserProperties = cloneProps(t.UserProperties)
	return c
}

func cloneProps(ps []PropertyDef) []PropertyDef {
	if ps == nil {
		return nil
	}
	out := make([]PropertyDef, len(ps))
	for i, p := range ps {
		p.Enum = slices.Clone(p.Enum)
		out[i] = p
	}
	return out
}
