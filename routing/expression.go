package routing

import (
	"context"
	"slices"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/taxonomy"
)

// ExpressionCheck is one CEL condition checked on its own, as the canvas
// checks a field while it is typed: the expression, where it sits in a
// journey (journey.ConditionContexts) and, when known, the event its
// `event` names and the journey's entry event.
type ExpressionCheck struct {
	Expression string
	Context    string
	Event      string
	EntryEvent string
}

// ExpressionVerdict is what saving would say of a condition: its errors
// (at the field "expression", with journey validation's message) and the
// taxonomy's warnings.
type ExpressionVerdict struct {
	Errors, Warnings []jsonfields.Error
}

// CheckExpression checks one condition as saving the journey would
// (journey.CheckCondition: length, syntax and types, estimated cost),
// and adds the taxonomy's warnings: a trait or event property the
// condition reads that the workspace's taxonomy does not define, where it
// defines the user properties or the event. Its error is only for a
// taxonomy that cannot be read.
func (r *Router) CheckExpression(ctx context.Context, workspaceID string, x ExpressionCheck) (ExpressionVerdict, error) {
	if errs := conditionErrors(x.Expression); len(errs) > 0 {
		return ExpressionVerdict{Errors: errs}, nil
	}
	refs := journey.FieldRefs(x.Expression)
	if len(refs) == 0 {
		return ExpressionVerdict{}, nil
	}
	t, err := r.Taxonomies.Get(ctx, workspaceID)
	if err != nil || t == nil {
		return ExpressionVerdict{}, err
	}
	return ExpressionVerdict{Warnings: fieldWarnings(t, refs, x)}, nil
}

// conditionErrors is journey.CheckCondition's refusal at the field
// "expression": the verdict of the check, not a failure of it.
func conditionErrors(src string) []jsonfields.Error {
	if err := journey.CheckCondition(src); err != nil {
		return []jsonfields.Error{{Field: "expression", Message: err.Error()}}
	}
	return nil
}

// fieldWarnings names each ref the taxonomy does not define.
func fieldWarnings(t *taxonomy.Taxonomy, refs []journey.FieldRef, x ExpressionCheck) []jsonfields.Error {
	events := map[string]taxonomy.EventDef{}
	for _, e := range append(slices.Clip(taxonomy.Builtin), t.Events...) {
		events[e.Name] = e
	}
	var warnings []jsonfields.Error
	for _, ref := range refs {
		props, owner := t.UserProperties, "the taxonomy's user properties"
		if ref.Root != "profile" {
			name := x.Event
			if ref.Root == "entry" || (x.Context == journey.ContextEntryFilter && name == "") {
				name = x.EntryEvent
			}
			e, ok := events[name]
			if name == "" || !ok || (len(e.Properties) == 0 && !e.Strict) {
				continue
			}
			props, owner = e.Properties, "event "+name+" in the taxonomy"
		} else if len(props) == 0 {
			continue
		}
		if !slices.ContainsFunc(props, func(p taxonomy.PropertyDef) bool { return p.Name == ref.Name }) {
			warnings = append(warnings, jsonfields.Error{Field: "expression",
				Message: ref.Root + "." + ref.Map + "." + ref.Name + " is not defined by " + owner})
		}
	}
	return warnings
}
