package journey

import (
	"fmt"
	"math"

	"github.com/tabiji/tabiji/jsonfields"
)

// Layout is where an editor draws a journey version's nodes: positions by
// node id, in the canvas's units. It is stored beside the definition and
// never changes what the journey does.
type Layout struct {
	Nodes map[string]Point `json:"nodes"`
}

// Point is a node's top-left corner on the canvas.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MaxLayoutNodes bounds a layout: far more nodes than any journey has.
const MaxLayoutNodes = 2000

// maxCoordinate bounds a position: a canvas a million units wide is
// already far beyond what anyone pans to.
const maxCoordinate = 1e6

// ValidateLayout checks a layout: node ids as the definition spells them,
// finite positions within ±1,000,000, at most MaxLayoutNodes nodes. The
// layout may name nodes the definition lacks (an editor keeps them while a
// node is renamed); they are drawn nowhere. The error wraps a
// jsonfields.Errors whose fields are "nodes" or "nodes.<id>".
func ValidateLayout(l Layout) error {
	var errs jsonfields.Errors
	if len(l.Nodes) > MaxLayoutNodes {
		errs.Add("nodes", fmt.Sprintf("must hold at most %d nodes, not %d", MaxLayoutNodes, len(l.Nodes)))
		return fmt.Errorf("invalid journey layout: %w", errs)
	}
	for id, p := range l.Nodes {
		switch {
		case !nodeIDPattern.MatchString(id):
			errs.Add("nodes."+id, "is not a node id: a letter, then up to 63 letters, digits, _ or -")
		case !finiteWithin(p.X) || !finiteWithin(p.Y):
			errs.Add("nodes."+id, fmt.Sprintf("x and y must be numbers within ±%.0f", maxCoordinate))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid journey layout: %w", errs)
}

func finiteWithin(x float64) bool {
	return !math.IsNaN(x) && !math.IsInf(x, 0) && math.Abs(x) <= maxCoordinate
}
