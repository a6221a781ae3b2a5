package taxonomy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

// Action is what ingestion does with an event after its check.
type Action string

const (
	// ActionAllow stores the event; with violations it is stored flagged.
	ActionAllow Action = "allow"
	// ActionReject answers the sender 4xx naming the violations.
	ActionReject Action = "reject"
	// ActionQuarantine keeps the event aside with its violations.
	ActionQuarantine Action = "quarantine"
	// ActionDrop discards the event and counts it under the violation's rule.
	ActionDrop Action = "drop"
)

// The rules a violation can name.
const (
	RuleUnknown    = "unknown"    // an event without a definition, or a property a strict event does not define
	RuleBlocked    = "blocked"    // the event's status is blocked
	RuleDeprecated = "deprecated" // the event's status is deprecated (a flag, never a failure by itself)
	RuleRequired   = "required"
	RuleType       = "type"
	RuleEnum       = "enum"
	RuleFormat     = "format"
)

// Verdict is the outcome of a check: what to do, and why.
type Verdict struct {
	Action     Action      `json:"action"`
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is one rule an event or its properties broke. Field is "event"
// for the event as a whole, "properties.<name>" or "traits.<name>" otherwise.
type Violation struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

type index struct {
	events        map[string]*compiledEvent
	traits        map[string]*compiledProp
	unknownEvents Action
	invalidTraits Action
	designed      bool // some event is defined, or unknown events are not simply allowed
	naming        Naming
	builtin       map[string]bool
}

type compiledEvent struct {
	name      string
	status    Status
	onInvalid Action
	strict    bool
	props     map[string]*compiledProp
	required  []*compiledProp
}

type compiledProp struct {
	PropertyDef
	field   string // "properties.total", built once
	enumStr map[string]bool
	enumNum []float64
}

// Compile builds the lookup tables the checks use, so that each check is a
// few map lookups. Call it once after the last change to t and before
// sharing t between goroutines; an uncompiled Taxonomy still checks
// correctly, only slower.
func (t *Taxonomy) Compile() { t.idx = t.build() }

func (t *Taxonomy) index() *index {
	if t.idx != nil {
		return t.idx
	}
	return t.build()
}

func (t *Taxonomy) build() *index {
	x := &index{
		events:        make(map[string]*compiledEvent, len(t.Events)),
		traits:        make(map[string]*compiledProp, len(t.UserProperties)),
		unknownEvents: Action(cmp.Or(t.UnknownEvents, DefaultUnknownEvents)),
		invalidTraits: Action(cmp.Or(t.InvalidTraits, DefaultInvalidTraits)),
		naming:        t.Naming,
		builtin:       make(map[string]bool, len(Builtin)),
	}
	for _, b := range Builtin {
		x.builtin[b.Name] = true
	}
	x.designed = len(t.Events) > 0 || x.unknownEvents != ActionAllow
	events := t.Events
	for _, b := range Builtin {
		if x.designed && !slices.ContainsFunc(t.Events, func(e EventDef) bool { return e.Name == b.Name }) {
			events = append(slices.Clip(events), b)
		}
	}
	for _, e := range events {
		ce := &compiledEvent{
			name: e.Name, status: cmp.Or(e.Status, Active), onInvalid: Action(cmp.Or(e.OnInvalid, DefaultOnInvalid)),
			strict: e.Strict, props: make(map[string]*compiledProp, len(e.Properties)),
		}
		for _, p := range e.Properties {
			cp := compileProp(p, "properties.")
			ce.props[p.Name] = cp
			if p.Required {
				ce.required = append(ce.required, cp)
			}
		}
		x.events[e.Name] = ce
	}
	for _, p := range t.UserProperties {
		x.traits[p.Name] = compileProp(p, "traits.")
	}
	return x
}

func compileProp(p PropertyDef, prefix string) *compiledProp {
	cp := &compiledProp{PropertyDef: p, field: prefix + p.Name}
	if len(p.Enum) == 0 {
		return cp
	}
	if p.Type == String {
		cp.enumStr = make(map[string]bool, len(p.Enum))
		for _, v := range p.Enum {
			cp.enumStr[v] = true
		}
		return cp
	}
	for _, v := range p.Enum {
		if f, ok := parseEnumNumber(v, p.Type); ok {
			cp.enumNum = append(cp.enumNum, f)
		}
	}
	return cp
}

// CheckEvent checks a track event's name and properties against the
// taxonomy and its naming convention. The verdict depends only on the
// values, never on the order of the properties; violations are sorted by
// field, then rule.
func (t *Taxonomy) CheckEvent(name string, properties map[string]any) Verdict {
	x := t.index()
	v := x.checkDefinition(name, properties)
	if x.naming.IsZero() || x.builtin[name] || v.Action == ActionDrop {
		return v
	}
	nv := x.naming.namingViolations(name, properties)
	if len(nv) == 0 {
		return v
	}
	v.Violations = append(v.Violations, nv...)
	sortViolations(v.Violations)
	v.Action = stricter(v.Action, Action(cmp.Or(x.naming.OnViolation, Reject)))
	return v
}

// checkDefinition checks a track event against its definition.
func (x *index) checkDefinition(name string, properties map[string]any) Verdict {
	ev, ok := x.events[name]
	if !ok {
		if !x.designed {
			return Verdict{Action: ActionAllow}
		}
		return Verdict{Action: x.unknownEvents, Violations: []Violation{{
			Field: "event", Rule: RuleUnknown, Message: fmt.Sprintf("%q is not an event of the taxonomy", name),
		}}}
	}
	if ev.status == Blocked {
		return Verdict{Action: ActionDrop, Violations: []Violation{{
			Field: "event", Rule: RuleBlocked, Message: fmt.Sprintf("%q is blocked by the taxonomy", name),
		}}}
	}
	var vs []Violation
	for _, p := range ev.required {
		if v, ok := properties[p.Name]; !ok || v == nil {
			vs = append(vs, Violation{Field: p.field, Rule: RuleRequired, Message: "is required"})
		}
	}
	for k, v := range properties {
		p, ok := ev.props[k]
		switch {
		case !ok && ev.strict:
			vs = append(vs, Violation{Field: "properties." + k, Rule: RuleUnknown,
				Message: fmt.Sprintf("is not a property of %q", name)})
		case ok && v != nil:
			vs = p.check(v, vs)
		}
	}
	action := ActionAllow
	if len(vs) > 0 {
		action = ev.onInvalid
	}
	if ev.status == Deprecated {
		vs = append(vs, Violation{Field: "event", Rule: RuleDeprecated, Message: fmt.Sprintf("%q is deprecated", name)})
	}
	sortViolations(vs)
	return Verdict{Action: action, Violations: vs}
}

// CheckTraits checks identify traits against the user properties. Traits
// the taxonomy does not define are not checked; null clears a trait and is
// always allowed.
func (t *Taxonomy) CheckTraits(traits map[string]any) Verdict {
	x := t.index()
	var vs []Violation
	for k, v := range traits {
		if p, ok := x.traits[k]; ok && v != nil {
			vs = p.check(v, vs)
		}
	}
	if len(vs) == 0 {
		return Verdict{Action: ActionAllow}
	}
	sortViolations(vs)
	return Verdict{Action: x.invalidTraits, Violations: vs}
}

func sortViolations(vs []Violation) {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
}

// check appends the violations of one present, non-null value.
func (p *compiledProp) check(v any, vs []Violation) []Violation {
	if !hasType(v, p.Type) {
		msg := fmt.Sprintf("must be a%s, not %s", article(p.Type), describe(v))
		if _, isString := v.(string); isString && p.Type == Timestamp {
			msg = "must be an ISO 8601 timestamp such as 2026-11-23T10:00:00Z, or a date such as 2026-11-23"
		}
		return append(vs, Violation{Field: p.field, Rule: RuleType, Message: msg})
	}
	if p.Format != "" {
		if s, _ := v.(string); !hasFormat(s, p.Format) {
			vs = append(vs, Violation{Field: p.field, Rule: RuleFormat, Message: formatMessage(p.Format)})
		}
	}
	if p.enumStr != nil {
		if s, _ := v.(string); !p.enumStr[s] {
			vs = append(vs, Violation{Field: p.field, Rule: RuleEnum, Message: enumMessage(p.Enum)})
		}
	} else if p.enumNum != nil {
		if f, _ := toFloat(v); !slices.Contains(p.enumNum, f) {
			vs = append(vs, Violation{Field: p.field, Rule: RuleEnum, Message: enumMessage(p.Enum)})
		}
	}
	return vs
}

func hasType(v any, t Type) bool {
	switch t {
	case String:
		_, ok := v.(string)
		return ok
	case Number:
		_, ok := toFloat(v)
		return ok
	case Integer:
		f, ok := toFloat(v)
		return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
	case Boolean:
		_, ok := v.(bool)
		return ok
	case Timestamp:
		s, ok := v.(string)
		return ok && isTimestamp(s)
	case Object:
		_, ok := v.(map[string]any)
		return ok
	case Array:
		_, ok := v.([]any)
		return ok
	}
	return false
}

// toFloat reads any number encoding/json (with or without UseNumber) or
// yaml.v3 produces.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

func isTimestamp(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func hasFormat(s string, f Format) bool {
	switch f {
	case Email:
		a, err := mail.ParseAddress(s)
		return err == nil && a.Name == "" && a.Address == s
	case URL:
		u, err := url.Parse(s)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	case Currency:
		_, err := currency.ParseISO(s)
		return err == nil && s == strings.ToUpper(s)
	}
	return false
}

func formatMessage(f Format) string {
	switch f {
	case Email:
		return "must be an email address, such as aiko@example.com"
	case URL:
		return "must be an absolute http or https URL"
	default:
		return "must be an ISO 4217 currency code in capitals, such as JPY"
	}
}

func enumMessage(enum Enum) string {
	return "must be one of " + strings.Join(enum, ", ")
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	if f, ok := toFloat(v); ok {
		if f == math.Trunc(f) {
			return "an integer"
		}
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

func parseEnumNumber(s string, t Type) (float64, bool) {
	if t == Integer {
		n, err := strconv.ParseInt(s, 10, 64)
		return float64(n), err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}
