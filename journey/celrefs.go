package journey

import (
	"slices"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// Where a CEL condition sits in a journey: each names the definition's
// field of that kind, for the check of one expression as it is typed.
const (
	ContextEntryFilter     = "entry_filter"     // entry.filter
	ContextWaitForMatch    = "wait_for_match"   // nodes[i].events[j].match
	ContextBranchCondition = "branch_condition" // nodes[i].cases[j].condition
	ContextExitMatch       = "exit_match"       // exit_criteria.events[j].match
	ContextExitCondition   = "exit_condition"   // exit_criteria.condition
	ContextGoalMatch       = "goal_match"       // goal.match
)

// ConditionContexts lists every context a condition may sit in.
var ConditionContexts = []string{ContextEntryFilter, ContextWaitForMatch, ContextBranchCondition,
	ContextExitMatch, ContextExitCondition, ContextGoalMatch}

// IsConditionContext says whether c is one of ConditionContexts.
func IsConditionContext(c string) bool { return slices.Contains(ConditionContexts, c) }

// FieldRef is a named field a condition reads out of a customer's or an
// event's free-form data: profile.traits.plan is {"profile", "traits",
// "plan"}, event.properties["cart_id"] is {"event", "properties", "cart_id"}.
type FieldRef struct {
	Root, Map, Name string
}

// FieldRefs lists the traits and event properties a condition reads by
// name (profile.traits.X, event.properties.X, entry.properties.X, by dot
// or by a constant index), once each in the order they appear. A
// condition that does not parse reads nothing.
func FieldRefs(src string) []FieldRef {
	if len(src) > MaxConditionBytes {
		return nil
	}
	env, err := celEnv()
	if err != nil {
		return nil
	}
	parsed, iss := env.Parse(src)
	if iss.Err() != nil {
		return nil
	}
	var out []FieldRef
	for _, e := range celast.MatchDescendants(celast.NavigateAST(parsed.NativeRep()), celast.AllMatcher()) {
		operand, name, ok := fieldAccess(e)
		if !ok || operand.Kind() != celast.SelectKind {
			continue
		}
		m := operand.AsSelect()
		if m.Operand().Kind() != celast.IdentKind {
			continue
		}
		ref := FieldRef{Root: m.Operand().AsIdent(), Map: m.FieldName(), Name: name}
		if known(ref) && !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return slices.Clip(out)
}

// fieldAccess reads x.name and x["name"] as (x, name).
func fieldAccess(e celast.NavigableExpr) (celast.Expr, string, bool) {
	switch e.Kind() {
	case celast.SelectKind:
		s := e.AsSelect()
		return s.Operand(), s.FieldName(), true
	case celast.CallKind:
		c := e.AsCall()
		if c.FunctionName() != operators.Index || len(c.Args()) != 2 || c.Args()[1].Kind() != celast.LiteralKind {
			return nil, "", false
		}
		s, ok := c.Args()[1].AsLiteral().(types.String)
		return c.Args()[0], string(s), ok
	}
	return nil, "", false
}

// known says whether ref reads a trait or an event property.
func known(ref FieldRef) bool {
	switch ref.Root {
	case "profile":
		return ref.Map == "traits"
	case "event", "entry":
		return ref.Map == "properties"
	}
	return false
}
