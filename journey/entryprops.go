package journey

import (
	"encoding/json"
	"slices"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// The types EntryProperties reads a property as.
const (
	PropertyNumber  = "number"
	PropertyBoolean = "boolean"
	PropertyString  = "string"
)

// EntryProperty is a property of a journey's entry event that its entry
// filter reads, with the type the filter reads it as.
type EntryProperty struct {
	Name string
	// Type is PropertyNumber, PropertyBoolean or PropertyString: what the
	// filter converts the property to (double(…), int(…)) or compares it
	// with (a literal, or a journey variable); a string when it says
	// neither.
	Type string
}

// EntryProperties lists the properties of the entry event that d's entry
// filter reads (event.properties.X, entry.properties.X), once each in the
// order they appear: what a preview must be given for the customer to
// enter. A journey entered by a segment, a date or the API has none: its
// trigger makes its entry event.
func EntryProperties(d Definition) []EntryProperty {
	e := d.Entry
	if e.Filter == "" || e.Event == "" || e.Segment != "" || e.Date != nil || e.API || len(e.Filter) > MaxConditionBytes {
		return nil
	}
	env, err := celEnv()
	if err != nil {
		return nil
	}
	parsed, iss := env.Parse(e.Filter)
	if iss.Err() != nil {
		return nil
	}
	var out []EntryProperty
	for _, x := range celast.MatchDescendants(celast.NavigateAST(parsed.NativeRep()), celast.AllMatcher()) {
		name, ok := entryProperty(x)
		if !ok {
			continue
		}
		typ := readAs(x, d.Variables)
		i := slices.IndexFunc(out, func(p EntryProperty) bool { return p.Name == name })
		switch {
		case i < 0:
			out = append(out, EntryProperty{Name: name, Type: typ})
		case out[i].Type == "":
			out[i].Type = typ
		}
	}
	for i := range out {
		if out[i].Type == "" {
			out[i].Type = PropertyString
		}
	}
	return out
}

// entryProperty reads x as event.properties.name or entry.properties.name
// (by dot or constant index).
func entryProperty(x celast.NavigableExpr) (string, bool) {
	operand, name, ok := fieldAccess(x)
	if !ok || operand.Kind() != celast.SelectKind {
		return "", false
	}
	m := operand.AsSelect()
	if m.Operand().Kind() != celast.IdentKind || m.FieldName() != "properties" {
		return "", false
	}
	root := m.Operand().AsIdent()
	return name, root == "event" || root == "entry"
}

// comparisons are the operators whose other side says a property's type.
var comparisons = []string{operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals,
	operators.Greater, operators.GreaterEquals}

// readAs is the type the expression around x reads it as, "" when it
// does not say.
func readAs(x celast.NavigableExpr, vars map[string]any) string {
	parent, ok := x.Parent()
	if !ok || parent.Kind() != celast.CallKind {
		return ""
	}
	call := parent.AsCall()
	switch fn := call.FunctionName(); {
	case fn == "double" || fn == "int" || fn == "uint":
		return PropertyNumber
	case slices.Contains(comparisons, fn) && len(call.Args()) == 2:
		other := call.Args()[0]
		if other.ID() == x.ID() {
			other = call.Args()[1]
		}
		return typeOf(other, vars)
	}
	return ""
}

// typeOf is the type of a literal, a number conversion or a journey
// variable; "" for anything else.
func typeOf(e celast.Expr, vars map[string]any) string {
	switch e.Kind() {
	case celast.LiteralKind:
		switch e.AsLiteral().(type) {
		case types.Double, types.Int, types.Uint:
			return PropertyNumber
		case types.Bool:
			return PropertyBoolean
		case types.String:
			return PropertyString
		}
	case celast.CallKind:
		if fn := e.AsCall().FunctionName(); fn == "double" || fn == "int" || fn == "uint" {
			return PropertyNumber
		}
	case celast.SelectKind:
		s := e.AsSelect()
		if s.Operand().Kind() == celast.IdentKind && s.Operand().AsIdent() == "journey" {
			return valueType(vars[s.FieldName()])
		}
	}
	return ""
}

func valueType(v any) string {
	switch v.(type) {
	case float64, float32, int, int64, json.Number:
		return PropertyNumber
	case bool:
		return PropertyBoolean
	case string:
		return PropertyString
	}
	return ""
}
