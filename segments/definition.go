// Package segments defines audiences as JSON conditions over a customer's
// traits, tags and events, validates them against the workspace's taxonomy
// and compiles them to SQL over the profiles and events tables. It runs no
// query itself: the store does.
package segments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
)

// Definition is a segment: one condition tree, and the time zone that
// calendar windows use for customers whose profile has none.
type Definition struct {
	// Timezone is an IANA zone ("Asia/Tokyo"); the workspace's when empty
	// (Options.Timezone). A customer's own profile time zone always wins.
	Timezone  string    `json:"timezone,omitempty"`
	Condition Condition `json:"condition"`
}

// Condition is one node of the tree: exactly one of its fields is set.
type Condition struct {
	And     []Condition     `json:"and,omitempty"`
	Or      []Condition     `json:"or,omitempty"`
	Not     *Condition      `json:"not,omitempty"`
	Trait   *TraitCondition `json:"trait,omitempty"`
	Tag     string          `json:"tag,omitempty"`
	Segment string          `json:"segment,omitempty"` // member of another segment, by id
	Event   *EventCondition `json:"event,omitempty"`
}

// Op is a comparison.
type Op string

// The comparisons. Exists takes no value, In a list; Anniversary (no value)
// holds when a date trait's month and day are today's in the customer's
// zone (a 29 February one on 28 February in other years).
const (
	Eq          Op = "eq"
	Ne          Op = "ne"
	Gt          Op = "gt"
	Gte         Op = "gte"
	Lt          Op = "lt"
	Lte         Op = "lte"
	Contains    Op = "contains"
	Exists      Op = "exists"
	In          Op = "in"
	Anniversary Op = "anniversary"
)

// TraitCondition compares a user property (a trait) of the profile.
type TraitCondition struct {
	Name  string `json:"name"`
	Op    Op     `json:"op"`
	Value any    `json:"value,omitempty"`
}

// EventCondition is about the customer's events of one name that pass
// Where (and, for Count, Sum and Avg, fall in Window). At most one of Count,
// Sum, Avg, First, Last and EachMonth is set; with none the customer
// performed the event at least once (or never, with Performed false).
type EventCondition struct {
	Name      string           `json:"name"`
	Performed *bool            `json:"performed,omitempty"`
	Where     []PropertyFilter `json:"where,omitempty"`
	Window    *Window          `json:"window,omitempty"`
	Count     *Measure         `json:"count,omitempty"`
	Sum       *Measure         `json:"sum,omitempty"`
	Avg       *Measure         `json:"avg,omitempty"`
	First     *Window          `json:"first,omitempty"` // the first such event falls in this window
	Last      *Window          `json:"last,omitempty"`  // the last such event falls in this window
	EachMonth *EachMonth       `json:"each_month,omitempty"`
}

// PropertyFilter compares one property of the event.
type PropertyFilter struct {
	Property string `json:"property"`
	Op       Op     `json:"op"`
	Value    any    `json:"value,omitempty"`
}

// Measure compares a number of events, or the sum or average of a numeric
// property (Property, for Sum and Avg), to Value with Op; or, with
// TopPercent, keeps the customers in the top TopPercent % by that number
// among those who performed the event.
type Measure struct {
	Property   string   `json:"property,omitempty"`
	Op         Op       `json:"op,omitempty"`
	Value      *float64 `json:"value,omitempty"`
	TopPercent float64  `json:"top_percent,omitempty"`
}

// Window bounds event times; its set fields all apply. LastDays and
// OlderThanDays count 24-hour days back from now; CalendarMonths is the
// current calendar month and the N-1 before it, in the customer's zone.
type Window struct {
	LastDays       int        `json:"last_days,omitempty"`
	OlderThanDays  int        `json:"older_than_days,omitempty"`
	After          *time.Time `json:"after,omitempty"`  // at or after
	Before         *time.Time `json:"before,omitempty"` // strictly before
	CalendarMonths int        `json:"calendar_months,omitempty"`
}

// EachMonth holds when the customer performed the event in each of the
// last Months calendar months in their zone: the Months complete months
// before the current one, or the current one and the Months-1 before it
// with IncludeCurrent.
type EachMonth struct {
	Months         int  `json:"months"`
	IncludeCurrent bool `json:"include_current,omitempty"`
}

// FieldError is one thing wrong with a definition, at a JSON path such as
// "condition.and[1].event.name".
type FieldError = jsonfields.Error

// Errors lists everything wrong with a definition. This package's errors
// wrap it with "invalid segment definition: " (see Invalid); errors.As
// finds it.
type Errors = jsonfields.Errors

// Invalid is errs as the error of an invalid definition, nil when errs is
// empty.
func Invalid(errs jsonfields.Errors) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid segment definition: %w", errs)
}

// Parse reads a definition from JSON. Unknown fields and wrong types are
// Errors naming each path; Parse does not Validate.
func Parse(raw []byte) (Definition, error) {
	var d Definition
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&d)
	if err == nil {
		return d, nil
	}
	if found := jsonfields.Check(raw, reflect.TypeFor[Definition]()); len(found) > 0 {
		return Definition{}, Invalid(found)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return Definition{}, Invalid(jsonfields.Errors{{Field: "definition", Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err)}})
	}
	return Definition{}, Invalid(jsonfields.Errors{{Field: "definition", Message: err.Error()}})
}

// References lists the ids of the segments the definition names directly.
func (d Definition) References() []string {
	var out []string
	d.Condition.walk(func(c Condition) {
		if c.Segment != "" {
			out = append(out, c.Segment)
		}
	})
	return out
}

// walk calls f on c and every condition below it.
func (c Condition) walk(f func(Condition)) {
	f(c)
	for _, x := range c.And {
		x.walk(f)
	}
	for _, x := range c.Or {
		x.walk(f)
	}
	if c.Not != nil {
		c.Not.walk(f)
	}
}

// Resolver finds another segment's definition by id.
type Resolver func(id string) (Definition, bool)

// TimeDependent reports whether time alone can change who is in the
// segment: a window counted back from now, a calendar month, an
// anniversary. Referenced segments are not looked at: see
// TimeDependentWith.
func TimeDependent(d Definition) bool { return TimeDependentWith(d, nil) }

// TimeDependentWith is TimeDependent following references to other
// segments through resolve (nil follows none).
func TimeDependentWith(d Definition, resolve Resolver) bool {
	return timeDependent(d, resolve, map[string]bool{})
}

func timeDependent(d Definition, resolve Resolver, seen map[string]bool) bool {
	dep := false
	d.Condition.walk(func(c Condition) {
		switch {
		case c.Trait != nil && c.Trait.Op == Anniversary:
			dep = true
		case c.Event != nil && c.Event.timeDependent():
			dep = true
		case c.Segment != "" && resolve != nil && !seen[c.Segment]:
			seen[c.Segment] = true
			if ref, ok := resolve(c.Segment); ok && timeDependent(ref, resolve, seen) {
				dep = true
			}
		}
	})
	return dep
}

func (e *EventCondition) timeDependent() bool {
	return e.EachMonth != nil || e.Window.relative() || e.First.relative() || e.Last.relative()
}

func (w *Window) relative() bool {
	return w != nil && (w.LastDays > 0 || w.OlderThanDays > 0 || w.CalendarMonths > 0)
}
