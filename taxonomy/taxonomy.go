// Package taxonomy is a workspace's design of its data: which events exist,
// which properties each carries, which user properties describe a customer,
// and what happens to data that does not fit (the policies). It checks
// events and traits against that design; it knows nothing of HTTP or SQL.
package taxonomy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
)

// Policy says what happens to an event that is unknown or invalid.
type Policy string

const (
	// Reject answers the sender with a 4xx naming the property and the rule.
	Reject Policy = "reject"
	// Quarantine keeps the event aside, with its violations, to be fixed and
	// replayed or dropped.
	Quarantine Policy = "quarantine"
	// Allow stores the event as any other, flagged with its violations.
	Allow Policy = "allow"
)

// Policies lists every policy.
var Policies = []Policy{Reject, Quarantine, Allow}

// Defaults for an unset policy: a workspace that has designed nothing keeps
// every event; an event that breaks its definition waits in quarantine.
const (
	DefaultUnknownEvents = Allow
	DefaultInvalidTraits = Allow
	DefaultOnInvalid     = Quarantine
)

// Status is where an event definition is in its life.
type Status string

const (
	// Active events are checked and kept.
	Active Status = "active"
	// Deprecated events are still kept, flagged as deprecated.
	Deprecated Status = "deprecated"
	// Blocked events are dropped on arrival, and counted.
	Blocked Status = "blocked"
)

// Statuses lists every status.
var Statuses = []Status{Active, Deprecated, Blocked}

// Type is the JSON type a property's value must have.
type Type string

// The property types. A timestamp is an ISO 8601 string: a date-time with
// a zone (2026-11-23T10:00:00Z) or a date (2026-11-23).
const (
	String    Type = "string"
	Number    Type = "number"
	Integer   Type = "integer"
	Boolean   Type = "boolean"
	Timestamp Type = "timestamp"
	Object    Type = "object"
	Array     Type = "array"
)

// Types lists every type.
var Types = []Type{String, Number, Integer, Boolean, Timestamp, Object, Array}

// Format narrows a string property.
type Format string

const (
	// Email is one plain address, such as aiko@example.com.
	Email Format = "email"
	// URL is an absolute http or https URL.
	URL Format = "url"
	// Currency is an ISO 4217 code in capitals, such as JPY.
	Currency Format = "currency"
)

// Formats lists every format.
var Formats = []Format{Email, URL, Currency}

// Taxonomy is a workspace's whole design sheet.
type Taxonomy struct {
	// UnknownEvents applies to an event whose name has no definition.
	UnknownEvents Policy `json:"unknownEvents,omitempty" yaml:"unknownEvents,omitempty"`
	// InvalidTraits applies to identify traits that break a user property.
	InvalidTraits  Policy        `json:"invalidTraits,omitempty" yaml:"invalidTraits,omitempty"`
	Events         []EventDef    `json:"events" yaml:"events"`
	UserProperties []PropertyDef `json:"userProperties" yaml:"userProperties"`
	// Naming is the workspace's naming convention for event and property
	// names (naming.go); none when zero.
	Naming Naming `json:"naming,omitzero" yaml:"naming,omitempty"`

	idx *index // built by Compile; nil means CheckEvent builds one per call
}

// EventDef defines one event.
type EventDef struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Owner       string `json:"owner,omitempty" yaml:"owner,omitempty"`
	Status      Status `json:"status,omitempty" yaml:"status,omitempty"`
	// OnInvalid applies when the event breaks one of its property rules.
	OnInvalid Policy `json:"onInvalid,omitempty" yaml:"onInvalid,omitempty"`
	// Strict makes a property missing from Properties a violation.
	Strict     bool          `json:"strict,omitempty" yaml:"strict,omitempty"`
	Properties []PropertyDef `json:"properties,omitempty" yaml:"properties,omitempty"`
}

// PropertyDef defines one property of an event, or one user property.
type PropertyDef struct {
	Name        string `json:"name" yaml:"name"`
	Type        Type   `json:"type" yaml:"type"`
	Required    bool   `json:"required,omitempty" yaml:"required,omitempty"`
	Enum        Enum   `json:"enum,omitempty" yaml:"enum,omitempty,flow"`
	Format      Format `json:"format,omitempty" yaml:"format,omitempty"`
	PII         bool   `json:"pii,omitempty" yaml:"pii,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// ValidationError lists everything wrong with a sheet, each at a path such
// as "events[2].properties[0].type". This package's errors wrap it with
// "invalid taxonomy: " (see Invalid); errors.As finds it.
type ValidationError = jsonfields.Errors

// Invalid is errs as the error of an invalid sheet, nil when errs is empty.
func Invalid(errs jsonfields.Errors) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid taxonomy: %w", errs)
}

// DecodeError is a sheet that could not be read at all (malformed YAML,
// JSON or CSV, an unknown field, a wrong JSON type), as opposed to a
// ValidationError of a sheet that was read but breaks a rule.
type DecodeError jsonfields.Errors

func (d DecodeError) Error() string {
	return "unreadable taxonomy: " + jsonfields.Errors(d).Error()
}

// maxNameLen matches the longest event name ingestion accepts.
const maxNameLen = 200

// Validate reports every rule the sheet breaks, or nil.
func (t *Taxonomy) Validate() error {
	var errs ValidationError
	add := func(field, format string, args ...any) {
		errs.Add(field, fmt.Sprintf(format, args...))
	}
	checkPolicy(add, "unknownEvents", t.UnknownEvents)
	checkPolicy(add, "invalidTraits", t.InvalidTraits)
	seen := map[string]int{}
	for i, e := range t.Events {
		path := fmt.Sprintf("events[%d]", i)
		validateEvent(add, path, e)
		if j, dup := seen[e.Name]; dup && e.Name != "" {
			add(path+".name", "repeats events[%d]: each event is defined once", j)
		}
		seen[e.Name] = i
	}
	validateProperties(add, "userProperties", t.UserProperties, true)
	validateNaming(add, t)
	return Invalid(errs)
}

// ValidateEvent reports every rule one event definition breaks, with paths
// relative to the definition ("properties[0].type").
func ValidateEvent(e EventDef) error {
	var errs ValidationError
	validateEvent(func(field, format string, args ...any) {
		errs.Add(strings.TrimPrefix(field, "."), fmt.Sprintf(format, args...))
	}, "", e)
	return Invalid(errs)
}

// ValidateUserProperty reports every rule one user property breaks.
func ValidateUserProperty(p PropertyDef) error {
	var errs ValidationError
	validateProperty(func(field, format string, args ...any) {
		errs.Add(strings.TrimPrefix(field, "."), fmt.Sprintf(format, args...))
	}, "", p, true)
	return Invalid(errs)
}

type addFunc func(field, format string, args ...any)

func validateEvent(add addFunc, path string, e EventDef) {
	checkName(add, path+".name", e.Name)
	if e.Status != "" && !slices.Contains(Statuses, e.Status) {
		add(path+".status", "must be one of active, deprecated, blocked, not %q", e.Status)
	}
	checkPolicy(add, path+".onInvalid", e.OnInvalid)
	validateProperties(add, path+".properties", e.Properties, false)
}

func validateProperties(add addFunc, path string, props []PropertyDef, user bool) {
	seen := map[string]int{}
	for i, p := range props {
		pp := fmt.Sprintf("%s[%d]", path, i)
		validateProperty(add, pp, p, user)
		if j, dup := seen[p.Name]; dup && p.Name != "" {
			add(pp+".name", "repeats %s[%d]: each property is defined once", path, j)
		}
		seen[p.Name] = i
	}
}

func validateProperty(add addFunc, path string, p PropertyDef, user bool) {
	checkName(add, path+".name", p.Name)
	if !slices.Contains(Types, p.Type) {
		add(path+".type", "must be one of string, number, integer, boolean, timestamp, object, array, not %q", p.Type)
	}
	if user && p.Required {
		add(path+".required", "is for event properties only: identify calls send some traits at a time")
	}
	if p.Format != "" {
		if !slices.Contains(Formats, p.Format) {
			add(path+".format", "must be one of email, url, currency, not %q", p.Format)
		} else if p.Type != String {
			add(path+".format", "applies to string properties only, not %s", p.Type)
		}
	}
	if len(p.Enum) > 0 {
		validateEnum(add, path+".enum", p)
	}
}

func validateEnum(add addFunc, path string, p PropertyDef) {
	if p.Type != String && p.Type != Number && p.Type != Integer {
		add(path, "applies to string, number and integer properties only, not %s", p.Type)
		return
	}
	seen := map[string]bool{}
	for i, v := range p.Enum {
		ep := fmt.Sprintf("%s[%d]", path, i)
		if seen[v] {
			add(ep, "repeats the value %q", v)
		}
		seen[v] = true
		if p.Type != String {
			if _, ok := parseEnumNumber(v, p.Type); !ok {
				add(ep, "must be a%s, not %q", article(p.Type), v)
			}
		} else if v == "" {
			add(ep, "must not be empty")
		}
	}
}

func checkName(add addFunc, field, name string) {
	switch {
	case name == "":
		add(field, "is required")
	case strings.TrimSpace(name) != name:
		add(field, "must not start or end with white space")
	case len(name) > maxNameLen:
		add(field, "must be at most %d characters", maxNameLen)
	}
}

func checkPolicy(add addFunc, field string, p Policy) {
	if p != "" && !slices.Contains(Policies, p) {
		add(field, "must be one of reject, quarantine, allow, not %q", p)
	}
}

func article(t Type) string {
	if t == Integer {
		return "n integer"
	}
	return " " + string(t)
}
