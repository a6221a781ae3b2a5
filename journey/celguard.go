package journey

import (
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strings"

	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// The cost tracker counts a call after it returns, so a call whose own work
// grows with the product of its inputs (a regex over a long string, a
// replace or join that multiplies a string) could run for seconds, or fill
// memory, before the limit is looked at. These calls are replaced by
// versions that weigh their inputs first and refuse what is too big.
const (
	// MaxStringResult is the longest string a replace or join may build.
	MaxStringResult = 1 << 20
	// maxRegexWork bounds a matches() call: characters times regex
	// instructions (Go's regexp is linear in each).
	maxRegexWork = 20_000_000
	// stringCostFactor is cel-go's cost per character of a string traversal.
	stringCostFactor = 0.1
)

// runtimeCosts charges what cel-go's tracker counts as 1: calls dispatched
// at run time on dyn values (event properties and traits are dyn, so
// `event.properties.a + event.properties.b` has no overload known at check
// time), by the sizes they read and build, and list concatenation, by the
// size it builds (cel-go counts it as 1, so a doubling chain would build a
// list of billions of items for almost nothing).
type runtimeCosts struct{}

func (runtimeCosts) CallCost(function, overloadID string, args []ref.Val, result ref.Val) *uint64 {
	switch {
	case overloadID == overloads.AddList:
		return costOf(1 + size(result))
	case overloadID != "":
		return nil // cel-go's own cost model
	case function == overloads.Matches || function == overloads.Contains:
		if len(args) == 2 {
			return costOf(1 + scan(size(args[0]))*scan(size(args[1])))
		}
	}
	var n uint64
	for _, a := range args {
		n += size(a)
	}
	return costOf(1 + scan(n+size(result)))
}

func costOf(c uint64) *uint64 { return &c }

// scan is the cost of reading n characters.
func scan(n uint64) uint64 { return uint64(math.Ceil(float64(n) * stringCostFactor)) }

// size is the size of a string, bytes, list or map value, else 1.
func size(v ref.Val) uint64 {
	if s, ok := v.(traits.Sizer); ok {
		if n, ok := s.Size().(types.Int); ok && n > 0 {
			return uint64(n)
		}
	}
	return 1
}

// guardedFunctions replace the implementations of join, replace, matches
// and format (by overload and by function name, which dyn calls use).
func guardedFunctions() []*functions.Overload {
	join := &functions.Overload{Operator: "join", Unary: joinList, Binary: joinList2}
	replace := &functions.Overload{Operator: "replace", Function: replaceString}
	matches := &functions.Overload{Operator: overloads.Matches, Binary: matchString}
	format := &functions.Overload{Operator: "format", Binary: noFormat}
	return []*functions.Overload{
		join, {Operator: "list_join", Unary: joinList}, {Operator: "list_join_string", Binary: joinList2},
		replace, {Operator: "string_replace_string_string", Function: replaceString},
		{Operator: "string_replace_string_string_int", Function: replaceString},
		matches, {Operator: overloads.MatchesString, Binary: matchString},
		format, {Operator: "string_format", Binary: noFormat},
	}
}

func joinList(list ref.Val) ref.Val { return joinWith(list, "") }

func joinList2(list, sep ref.Val) ref.Val {
	s, ok := sep.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(sep)
	}
	return joinWith(list, string(s))
}

// joinWith joins a list of strings once it knows the result is small enough.
func joinWith(list ref.Val, sep string) ref.Val {
	l, ok := list.(traits.Lister)
	if !ok {
		return types.MaybeNoSuchOverloadErr(list)
	}
	n := int(l.Size().(types.Int))
	parts, total := make([]string, 0, n), 0
	for it := l.Iterator(); it.HasNext() == types.True; {
		s, ok := it.Next().(types.String)
		if !ok {
			return types.NewErr("join: the list holds a value that is not a string")
		}
		if total += len(s) + len(sep); total > MaxStringResult {
			return types.NewErr("join: the result would be longer than %d bytes", MaxStringResult)
		}
		parts = append(parts, string(s))
	}
	return types.String(strings.Join(parts, sep))
}

// replaceString is replace(old, new[, n]) that first counts how long the
// result would be: replacing "" inserts new between every character.
func replaceString(args ...ref.Val) ref.Val {
	if len(args) < 3 || len(args) > 4 {
		return types.NoSuchOverloadErr()
	}
	var str [3]string
	for i := range str {
		s, ok := args[i].(types.String)
		if !ok {
			return types.MaybeNoSuchOverloadErr(args[i])
		}
		str[i] = string(s)
	}
	n := -1
	if len(args) == 4 {
		c, ok := args[3].(types.Int)
		if !ok {
			return types.MaybeNoSuchOverloadErr(args[3])
		}
		n = int(max(min(c, math.MaxInt32), -1))
	}
	hits := strings.Count(str[0], str[1])
	if n >= 0 {
		hits = min(hits, n)
	}
	if len(str[0])+hits*(len(str[2])-len(str[1])) > MaxStringResult {
		return types.NewErr("replace: the result would be longer than %d bytes", MaxStringResult)
	}
	return types.String(strings.Replace(str[0], str[1], str[2], n))
}

// matchString is matches() that refuses a regex too large, or too large
// for the string it runs over, before running it.
func matchString(str, pattern ref.Val) ref.Val {
	s, ok := str.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(str)
	}
	p, ok := pattern.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(pattern)
	}
	prog, err := regexProgramSize(string(p))
	if err != nil {
		return types.NewErr("matches: %v", err)
	}
	if prog > RegexProgramLimit {
		return types.NewErr("matches: the regex compiles to %d instructions; at most %d are allowed", prog, RegexProgramLimit)
	}
	if (len(s)+1)*prog > maxRegexWork {
		return types.NewErr("matches: a regex of %d instructions over %d characters is too costly", prog, len(s))
	}
	re, err := regexp.Compile(string(p))
	if err != nil {
		return types.NewErr("matches: %v", err)
	}
	return types.Bool(re.MatchString(string(s)))
}

// regexProgramSize is the number of instructions a regex compiles to.
func regexProgramSize(pattern string) (int, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, fmt.Errorf("parse the regex: %w", err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, fmt.Errorf("compile the regex: %w", err)
	}
	return len(prog.Inst), nil
}

// noFormat refuses string formatting: its output grows with the values it
// prints, which the cost tracker only sees afterwards, and a condition has
// no need of it. CheckCondition refuses it at save.
func noFormat(ref.Val, ref.Val) ref.Val {
	return types.NewErr("format() is not available in conditions")
}
