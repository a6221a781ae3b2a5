package taxonomy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/iancoleman/strcase"
)

// Case is a way of writing a name of several words.
type Case string

// The cases a workspace may require of its names.
const (
	SnakeCase  Case = "snake_case" // product_viewed
	CamelCase  Case = "camelCase"  // productViewed
	PascalCase Case = "PascalCase" // ProductViewed
	KebabCase  Case = "kebab-case" // product-viewed
	TitleCase  Case = "Title Case" // Product Viewed, as Segment's spec writes events
)

// Cases lists every case.
var Cases = []Case{SnakeCase, CamelCase, PascalCase, KebabCase, TitleCase}

// RuleNaming is the rule a name that breaks the workspace's naming
// convention violates.
const RuleNaming = "naming"

// Naming is a workspace's naming convention for the events it tracks and
// their properties. Tabiji's own events (Builtin) are exempt.
type Naming struct {
	// Events is the case every event name is written in.
	Events Case `json:"events,omitempty" yaml:"events,omitempty"`
	// Properties is the case every event property name is written in.
	Properties Case `json:"properties,omitempty" yaml:"properties,omitempty"`
	// ObjectAction asks event names of two words at least: the object,
	// then what happened to it (product_viewed, order_completed).
	ObjectAction bool `json:"objectAction,omitempty" yaml:"objectAction,omitempty"`
	// OnViolation applies to an event whose name or property names break
	// the convention; reject (the default) answers 422 naming the field.
	OnViolation Policy `json:"onViolation,omitempty" yaml:"onViolation,omitempty"`
}

// IsZero says whether the workspace has no naming convention.
func (n Naming) IsZero() bool { return n.Events == "" && n.Properties == "" && !n.ObjectAction }

var casePatterns = map[Case]*regexp.Regexp{
	SnakeCase:  regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`),
	KebabCase:  regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`),
	CamelCase:  regexp.MustCompile(`^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$`),
	PascalCase: regexp.MustCompile(`^([A-Z][a-z0-9]*)+$`),
	TitleCase:  regexp.MustCompile(`^[A-Z][a-z0-9]*( ([A-Z][a-z0-9]*|[0-9]+))*$`),
}

// inCase writes name in case c, for the message that suggests it.
func inCase(name string, c Case) string {
	switch c {
	case SnakeCase:
		return strcase.ToSnake(name)
	case KebabCase:
		return strcase.ToKebab(name)
	case CamelCase:
		return strcase.ToLowerCamel(name)
	case PascalCase:
		return strcase.ToCamel(name)
	}
	words := strings.Fields(strcase.ToDelimited(name, ' '))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// words counts the words of a name in any case.
func words(name string) int { return len(strings.Fields(strcase.ToDelimited(name, ' '))) }

// eventNameProblem is what is wrong with an event name under n, or "".
func (n Naming) eventNameProblem(name string) string {
	if n.Events != "" && !casePatterns[n.Events].MatchString(name) {
		return fmt.Sprintf("must be written in %s, such as %q", n.Events, inCase(name, n.Events))
	}
	if n.ObjectAction && words(name) < 2 {
		return fmt.Sprintf("must name an object and an action, such as %q", inCase("product viewed", cmpCase(n.Events)))
	}
	return ""
}

// propertyNameProblem is what is wrong with a property name under n, or "".
func (n Naming) propertyNameProblem(name string) string {
	if n.Properties != "" && !casePatterns[n.Properties].MatchString(name) {
		return fmt.Sprintf("must be written in %s, such as %q", n.Properties, inCase(name, n.Properties))
	}
	return ""
}

func cmpCase(c Case) Case {
	if c == "" {
		return SnakeCase
	}
	return c
}

// namingViolations are the names of a track call that break n: the event's
// ("event") and its properties' ("properties.<name>").
func (n Naming) namingViolations(name string, properties map[string]any) []Violation {
	var vs []Violation
	if msg := n.eventNameProblem(name); msg != "" {
		vs = append(vs, Violation{Field: "event", Rule: RuleNaming, Message: msg})
	}
	if n.Properties == "" {
		return vs
	}
	for k := range properties {
		if msg := n.propertyNameProblem(k); msg != "" {
			vs = append(vs, Violation{Field: "properties." + k, Rule: RuleNaming, Message: msg})
		}
	}
	return vs
}

// validateNaming checks the convention itself, and that the sheet's own
// event and property names follow it.
func validateNaming(add addFunc, t *Taxonomy) {
	n := t.Naming
	for field, c := range map[string]Case{"naming.events": n.Events, "naming.properties": n.Properties} {
		if c != "" && !slices.Contains(Cases, c) {
			add(field, "must be one of snake_case, camelCase, PascalCase, kebab-case, Title Case, not %q", c)
		}
	}
	checkPolicy(add, "naming.onViolation", n.OnViolation)
	if n.IsZero() || !slices.Contains(Cases, cmpCase(n.Events)) || !slices.Contains(Cases, cmpCase(n.Properties)) {
		return
	}
	for i, e := range t.Events {
		if isBuiltin(e.Name) {
			continue
		}
		if msg := n.eventNameProblem(e.Name); msg != "" && e.Name != "" {
			add(fmt.Sprintf("events[%d].name", i), "%s (the workspace's naming convention)", msg)
		}
		for j, p := range e.Properties {
			if msg := n.propertyNameProblem(p.Name); msg != "" && p.Name != "" {
				add(fmt.Sprintf("events[%d].properties[%d].name", i, j), "%s (the workspace's naming convention)", msg)
			}
		}
	}
}

func isBuiltin(name string) bool {
	return slices.ContainsFunc(Builtin, func(e EventDef) bool { return e.Name == name })
}

// stricter is the stricter of two actions: reject over quarantine over
// allow; a drop stays a drop.
func stricter(a, b Action) Action {
	rank := map[Action]int{ActionAllow: 0, ActionQuarantine: 1, ActionReject: 2, ActionDrop: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
