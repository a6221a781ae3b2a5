package segments

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/taxonomy"
)

// Limits that keep one segment's SQL reasonable.
const (
	maxDepth      = 16
	maxConditions = 200
	maxDays       = 36500
	maxMonths     = 120
)

// Env is what a definition is checked against.
type Env struct {
	// Taxonomy types traits and event properties, and says which events
	// exist; nil checks names and types against nothing.
	Taxonomy *taxonomy.Taxonomy
	// Segments finds the segments a definition references; nil refuses every reference.
	Segments Resolver
	// Self is the id of the segment being saved: a reference back to it,
	// directly or through others, is a cycle.
	Self string
}

// Validate lists everything wrong with d, each at its JSON path under
// "definition", or nil.
func Validate(d Definition, env Env) jsonfields.Errors {
	v := &validator{env: env}
	v.index()
	if d.Timezone != "" {
		if _, err := time.LoadLocation(d.Timezone); err != nil || d.Timezone == "Local" {
			v.add("definition.timezone", "is not an IANA time zone such as Asia/Tokyo")
		}
	}
	v.condition("definition.condition", d.Condition, 0)
	v.expansion(d)
	return v.errs
}

// expansion refuses a definition whose references expand past
// MaxExpandedConditions, naming the chain of references that does.
func (v *validator) expansion(d Definition) {
	if len(d.References()) == 0 {
		return
	}
	x := &expansion{resolve: v.env.Segments, left: MaxExpandedConditions, visiting: map[string]bool{}}
	if v.env.Self != "" {
		x.chain, x.visiting[v.env.Self] = []string{v.env.Self}, true
	}
	if x.condition(d.Condition) {
		return
	}
	v.add("definition.condition", "%s expands to more than %d conditions with its references: %s",
		chainText(x.over), MaxExpandedConditions, tooLargeAdvice)
}

type validator struct {
	env    Env
	errs   jsonfields.Errors
	count  int
	events map[string]taxonomy.EventDef
	traits map[string]taxonomy.Type
}

func (v *validator) add(field, format string, args ...any) {
	v.errs.Add(field, fmt.Sprintf(format, args...))
}

func (v *validator) index() {
	if v.env.Taxonomy == nil {
		return
	}
	v.events = map[string]taxonomy.EventDef{}
	for _, e := range v.env.Taxonomy.Events {
		v.events[e.Name] = e
	}
	v.traits = map[string]taxonomy.Type{}
	for _, p := range v.env.Taxonomy.UserProperties {
		v.traits[p.Name] = p.Type
	}
}

func (v *validator) condition(path string, c Condition, depth int) {
	v.count++
	if v.count == maxConditions+1 {
		v.add(path, "makes more than %d conditions: split the segment and reference the parts", maxConditions)
	}
	if depth > maxDepth {
		v.add(path, "nests deeper than %d levels", maxDepth)
		return
	}
	kinds := c.kinds()
	switch {
	case len(kinds) == 0:
		v.add(path, "needs one of and, or, not, trait, tag, segment, event")
		return
	case len(kinds) > 1:
		v.add(path, "has %v: a condition is one of them (wrap several in and)", kinds)
		return
	}
	switch kinds[0] {
	case "and", "or":
		list := c.And
		if kinds[0] == "or" {
			list = c.Or
		}
		if len(list) == 0 {
			v.add(path+"."+kinds[0], "needs at least one condition")
		}
		for i, x := range list {
			v.condition(fmt.Sprintf("%s.%s[%d]", path, kinds[0], i), x, depth+1)
		}
	case "not":
		v.condition(path+".not", *c.Not, depth+1)
	case "trait":
		v.trait(path+".trait", *c.Trait)
	case "tag":
		checkName(v, path+".tag", c.Tag)
	case "segment":
		v.segment(path+".segment", c.Segment)
	case "event":
		v.event(path+".event", *c.Event)
	}
}

// kinds names the fields of c that are set.
func (c Condition) kinds() []string {
	var k []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"and", c.And != nil}, {"or", c.Or != nil}, {"not", c.Not != nil}, {"trait", c.Trait != nil},
		{"tag", c.Tag != ""}, {"segment", c.Segment != ""}, {"event", c.Event != nil}} {
		if f.set {
			k = append(k, f.name)
		}
	}
	return k
}

func checkName(v *validator, path, name string) bool {
	switch {
	case name == "":
		v.add(path, "is required")
	case len(name) > 200:
		v.add(path, "must be at most 200 characters")
	default:
		return true
	}
	return false
}

func (v *validator) trait(path string, t TraitCondition) {
	if !checkName(v, path+".name", t.Name) {
		return
	}
	typ, known := v.traits[t.Name]
	if t.Op == Anniversary && !known {
		typ, known = taxonomy.Timestamp, true
	}
	v.comparison(path, t.Op, t.Value, typ, known, true)
}

func (v *validator) segment(path, id string) {
	if v.env.Segments == nil {
		v.add(path, "no segment %q in this workspace", id)
		return
	}
	if id == v.env.Self {
		v.add(path, "is this segment itself: a segment cannot contain itself")
		return
	}
	ref, ok := v.env.Segments(id)
	if !ok {
		v.add(path, "no segment %q in this workspace", id)
		return
	}
	if v.env.Self != "" && reaches(ref, v.env.Self, v.env.Segments, map[string]bool{id: true}) {
		v.add(path, "segment %q includes this segment, directly or through others: references must not loop", id)
	}
}

// reaches reports whether d references target, directly or through others.
func reaches(d Definition, target string, resolve Resolver, seen map[string]bool) bool {
	for _, id := range d.References() {
		if id == target {
			return true
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if ref, ok := resolve(id); ok && reaches(ref, target, resolve, seen) {
			return true
		}
	}
	return false
}

// comparison checks op and value against the property's type (typ when
// known, else inferred from the value).
func (v *validator) comparison(path string, op Op, value any, typ taxonomy.Type, known, trait bool) {
	if !known {
		typ = inferType(op, value)
	}
	allowed := opsFor(typ, trait)
	if !slices.Contains(allowed, op) {
		if op == "" {
			v.add(path+".op", "is required: one of %v", allowed)
		} else {
			v.add(path+".op", "%q does not apply to a %s property: use one of %v", op, typ, allowed)
		}
		return
	}
	switch op {
	case Exists, Anniversary:
		if value != nil {
			v.add(path+".value", "must be left out with %s", op)
		}
	case In:
		list, ok := value.([]any)
		if !ok || len(list) == 0 {
			v.add(path+".value", "must be a non-empty list with in")
			return
		}
		for i, x := range list {
			v.value(fmt.Sprintf("%s.value[%d]", path, i), x, typ)
		}
	case Contains:
		if typ == taxonomy.Array {
			if !isScalar(value) {
				v.add(path+".value", "must be a string, number or boolean: the element to look for")
			}
			return
		}
		v.value(path+".value", value, typ)
	default:
		v.value(path+".value", value, typ)
	}
}

func (v *validator) value(path string, value any, typ taxonomy.Type) {
	ok := false
	switch typ {
	case taxonomy.String:
		_, ok = value.(string)
	case taxonomy.Number:
		_, ok = value.(float64)
	case taxonomy.Integer:
		f, isNum := value.(float64)
		ok = isNum && f == math.Trunc(f)
	case taxonomy.Boolean:
		_, ok = value.(bool)
	case taxonomy.Timestamp:
		s, isStr := value.(string)
		_, err := parseTime(s)
		ok = isStr && err == nil
	}
	if !ok {
		v.add(path, "must be a%s", article(typ))
	}
}

func article(t taxonomy.Type) string {
	switch t {
	case taxonomy.Integer:
		return "n integer"
	case taxonomy.Timestamp:
		return " timestamp (RFC 3339, such as 2026-11-23T10:00:00Z, or a date such as 2026-11-23)"
	}
	return " " + string(t)
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

// inferType types a property the taxonomy does not define from the value
// compared with it.
func inferType(op Op, value any) taxonomy.Type {
	if list, ok := value.([]any); ok && op == In && len(list) > 0 {
		value = list[0]
	}
	switch x := value.(type) {
	case float64:
		return taxonomy.Number
	case bool:
		return taxonomy.Boolean
	case string:
		if _, err := parseTime(x); err == nil && op != Eq && op != Ne && op != In && op != Contains {
			return taxonomy.Timestamp
		}
		return taxonomy.String
	}
	if op == Anniversary {
		return taxonomy.Timestamp
	}
	return taxonomy.String
}

// opsFor lists the comparisons that apply to a type.
func opsFor(t taxonomy.Type, trait bool) []Op {
	switch t {
	case taxonomy.String:
		return []Op{Eq, Ne, Contains, Exists, In}
	case taxonomy.Number, taxonomy.Integer:
		return []Op{Eq, Ne, Gt, Gte, Lt, Lte, Exists, In}
	case taxonomy.Boolean:
		return []Op{Eq, Ne, Exists}
	case taxonomy.Timestamp:
		if trait {
			return []Op{Gt, Gte, Lt, Lte, Exists, Anniversary}
		}
		return []Op{Gt, Gte, Lt, Lte, Exists}
	case taxonomy.Array:
		return []Op{Contains, Exists}
	}
	return []Op{Exists}
}

// parseTime reads an RFC 3339 time or a date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}
