package journey_test

import (
	"errors"
	"math"
	"testing"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
)

func TestValidateLayout(t *testing.T) {
	t.Run("TakesPositionsOfNodeIDs", func(t *testing.T) {
		l := journey.Layout{Nodes: map[string]journey.Point{"wait": {X: 10, Y: -20.5}, "send-1": {X: 1e6, Y: -1e6}}}
		if err := journey.ValidateLayout(l); err != nil {
			t.Errorf("ValidateLayout = %v", err)
		}
	})
	t.Run("NamesEachBadNode", func(t *testing.T) {
		l := journey.Layout{Nodes: map[string]journey.Point{"1bad": {}, "far": {X: 2e6}, "nan": {Y: math.NaN()}, "ok": {}}}
		var fields jsonfields.Errors
		if err := journey.ValidateLayout(l); !errors.As(err, &fields) {
			t.Fatalf("ValidateLayout = %v, want field errors", err)
		}
		got := map[string]bool{}
		for _, f := range fields {
			got[f.Field] = true
		}
		if len(got) != 3 || !got["nodes.1bad"] || !got["nodes.far"] || !got["nodes.nan"] {
			t.Errorf("fields = %v", fields)
		}
	})
	t.Run("BoundsTheNumberOfNodes", func(t *testing.T) {
		l := journey.Layout{Nodes: map[string]journey.Point{}}
		for i := range journey.MaxLayoutNodes + 1 {
			l.Nodes["n"+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))] = journey.Point{}
		}
		var fields jsonfields.Errors
		if err := journey.ValidateLayout(l); !errors.As(err, &fields) || fields[0].Field != "nodes" {
			t.Errorf("ValidateLayout of %d nodes = %v", len(l.Nodes), err)
		}
	})
}
