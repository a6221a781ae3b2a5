package segments_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/segments"
)

// fanOut is a segment that is "or" of n references to segment id.
func fanOut(id string, n int) segments.Definition {
	list := make([]segments.Condition, n)
	for i := range list {
		list[i] = segments.Condition{Segment: id}
	}
	return segments.Definition{Condition: segments.Condition{Or: list}}
}

// tags is a segment of n tag conditions, within the per-segment limit.
func tags(n int) segments.Definition {
	list := make([]segments.Condition, n)
	for i := range list {
		list[i] = segments.Condition{Tag: "t"}
	}
	return segments.Definition{Condition: segments.Condition{Or: list}}
}

// TestReferencesExpandToABoundedNumberOfConditions: three segments of at
// most 21 conditions each, every one naming the next ten times, would
// compile to about 2,300 conditions; before the cap each level multiplied
// the SQL by ten and a deeper chain grew it without bound.
func TestReferencesExpandToABoundedNumberOfConditions(t *testing.T) {
	defs := map[string]segments.Definition{"b": fanOut("c", 10), "c": tags(20), "small": fanOut("c", 2)}
	resolve := func(id string) (segments.Definition, bool) { d, ok := defs[id]; return d, ok }

	t.Run("ValidateNamesTheChain", func(t *testing.T) {
		errs := segments.Validate(fanOut("b", 10), segments.Env{Segments: resolve, Self: "a"})
		if len(errs) != 1 || errs[0].Field != "definition.condition" ||
			!strings.Contains(errs[0].Message, "segment a → b → c expands to more than 1000 conditions") {
			t.Fatalf("errs = %v, want one at definition.condition naming a → b → c", errs)
		}
	})
	t.Run("CompileRefusesWithTheChain", func(t *testing.T) {
		_, err := segments.Compile(fanOut("b", 10), segments.Options{Workspace: "w", Segments: resolve})
		var tooLarge *segments.TooLargeError
		if !errors.As(err, &tooLarge) || !slices.Equal(tooLarge.Chain, []string{"b", "c"}) {
			t.Fatalf("err = %v, want a TooLargeError with chain b → c", err)
		}
	})
	t.Run("ARedefinitionIsCheckedForItsReferrers", func(t *testing.T) {
		defs["a"] = fanOut("small", 10) // fits: 471
		defer delete(defs, "a")
		ids := []string{"a", "b", "c", "small"}
		var tooLarge *segments.TooLargeError
		err := segments.CheckReferrers("small", fanOut("c", 10), ids, resolve)
		if !errors.As(err, &tooLarge) || !slices.Equal(tooLarge.Chain, []string{"a", "small", "c"}) {
			t.Fatalf("err = %v, want the chain a → small → c", err)
		}
		if err := segments.CheckReferrers("small", fanOut("c", 3), ids, resolve); err != nil {
			t.Fatalf("a redefinition that fits: %v", err)
		}
	})
	t.Run("AcceptsWhatFits", func(t *testing.T) {
		d := fanOut("small", 10) // 1 + 10 × (1 + 1 + 2 × (1 + 21)) = 471
		if errs := segments.Validate(d, segments.Env{Segments: resolve, Self: "a"}); len(errs) > 0 {
			t.Fatalf("errs = %v", errs)
		}
		if _, err := segments.Compile(d, segments.Options{Workspace: "w", Segments: resolve}); err != nil {
			t.Fatal(err)
		}
	})
}
