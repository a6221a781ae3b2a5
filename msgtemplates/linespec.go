package msgtemplates

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// lineSpecYAML is LINE's Messaging API description (line/line-openapi at
// 6e4c2a2, Apache-2.0, linespec/LICENSE): LINE messages are checked against
// it rather than against a hand-copied list of fields.
//
//go:embed linespec/messaging-api.yml
var lineSpecYAML []byte

// schema is the part of an OpenAPI 3 schema object the LINE check reads.
type schema struct {
	Ref           string             `yaml:"$ref"`
	Type          string             `yaml:"type"`
	Required      []string           `yaml:"required"`
	Enum          []any              `yaml:"enum"`
	Properties    map[string]*schema `yaml:"properties"`
	Items         *schema            `yaml:"items"`
	AllOf         []*schema          `yaml:"allOf"`
	MaxItems      *int               `yaml:"maxItems"`
	MinItems      *int               `yaml:"minItems"`
	MaxLength     *int               `yaml:"maxLength"`
	Discriminator *struct {
		PropertyName string            `yaml:"propertyName"`
		Mapping      map[string]string `yaml:"mapping"`
	} `yaml:"discriminator"`
}

// lineSchemas are the description's components.schemas, read once.
var lineSchemas = sync.OnceValues(func() (map[string]*schema, error) {
	var doc struct {
		Components struct {
			Schemas map[string]*schema `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(lineSpecYAML, &doc); err != nil {
		return nil, fmt.Errorf("msgtemplates: unable to read the LINE Messaging API description: %w", err)
	}
	return doc.Components.Schemas, nil
})

// specChecker checks a JSON value (as encoding/json decodes it) against a
// schema of the description. With liquid set, strings holding Liquid are
// not held to enums or lengths: only their rendering is.
type specChecker struct {
	schemas map[string]*schema
	liquid  bool
	errs    *Errors
}

func (c specChecker) resolve(s *schema) *schema {
	for s != nil && s.Ref != "" {
		s = c.schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// check validates v against s at path. dispatched says that s is the
// subtype a discriminator already chose, so that its base (reached again
// through allOf) does not choose again.
func (c specChecker) check(path string, v any, s *schema, dispatched bool) {
	s = c.resolve(s)
	if s == nil {
		return
	}
	if obj, ok := v.(map[string]any); ok && s.Discriminator != nil && !dispatched {
		tag, _ := obj[s.Discriminator.PropertyName].(string)
		ref, known := s.Discriminator.Mapping[tag]
		if !known {
			c.errs.Add(path+"."+s.Discriminator.PropertyName, "must be one of "+strings.Join(sortedKeys(s.Discriminator.Mapping), ", "))
			return
		}
		c.check(path, v, &schema{Ref: ref}, true)
		return
	}
	if !c.checkType(path, v, s) {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		c.checkObject(path, v, s)
	case []any:
		c.checkArray(path, v, s)
	case string:
		c.checkString(path, v, s)
	}
}

func (c specChecker) checkType(path string, v any, s *schema) bool {
	var ok bool
	switch s.Type {
	case "", "object":
		_, ok = v.(map[string]any)
		ok = ok || s.Type == ""
	case "array":
		_, ok = v.([]any)
	case "string":
		_, ok = v.(string)
	case "boolean":
		_, ok = v.(bool)
	case "integer":
		f, isNum := v.(float64)
		ok = isNum && f == float64(int64(f))
	case "number":
		_, ok = v.(float64)
	default:
		ok = true
	}
	if !ok {
		c.errs.Add(path, "must be "+article(s.Type))
	}
	return ok
}

// checkObject checks required and known properties across allOf: the
// description's subtypes list their own properties beside their base's.
func (c specChecker) checkObject(path string, obj map[string]any, s *schema) {
	props, required := c.flatten(s)
	for _, name := range required {
		if _, ok := obj[name]; !ok {
			c.errs.Add(path+"."+name, "is required")
		}
	}
	for _, name := range sortedKeys(obj) {
		ps, known := props[name]
		if !known {
			c.errs.Add(path+"."+name, "is not a field of this LINE object")
			continue
		}
		c.check(path+"."+name, obj[name], ps, false)
	}
}

func (c specChecker) flatten(s *schema) (map[string]*schema, []string) {
	props, required := map[string]*schema{}, slices.Clone(s.Required)
	for name, p := range s.Properties {
		props[name] = p
	}
	for _, part := range s.AllOf {
		pp, pr := c.flatten(c.resolve(part))
		for name, p := range pp {
			props[name] = p
		}
		required = append(required, pr...)
	}
	slices.Sort(required)
	return props, slices.Compact(required)
}

func (c specChecker) checkArray(path string, arr []any, s *schema) {
	if s.MaxItems != nil && len(arr) > *s.MaxItems {
		c.errs.Add(path, fmt.Sprintf("has %d items, at most %d allowed", len(arr), *s.MaxItems))
	}
	if s.MinItems != nil && len(arr) < *s.MinItems {
		c.errs.Add(path, fmt.Sprintf("needs at least %d items", *s.MinItems))
	}
	for i, item := range arr {
		c.check(fmt.Sprintf("%s[%d]", path, i), item, s.Items, false)
	}
}

func (c specChecker) checkString(path, v string, s *schema) {
	if c.liquid && hasLiquid(v) {
		return
	}
	if s.MaxLength != nil && len([]rune(v)) > *s.MaxLength {
		c.errs.Add(path, fmt.Sprintf("is longer than %d characters", *s.MaxLength))
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == v }) {
		names := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			names[i] = fmt.Sprint(e)
		}
		c.errs.Add(path, "must be one of "+strings.Join(names, ", "))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func article(typ string) string {
	switch typ {
	case "array", "object", "integer":
		return "an " + typ
	case "":
		return "a value"
	}
	return "a " + typ
}

// hasLiquid says whether s holds a Liquid output or tag.
func hasLiquid(s string) bool { return strings.Contains(s, "{{") || strings.Contains(s, "{%") }
