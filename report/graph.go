package report

import (
	"fmt"
	"math"
)

// GraphNode is one node of a journey as the graph draws it.
type GraphNode struct {
	ID      string
	Kind    string
	Entered int64
}

// GraphEdge is a transition between two nodes, with the runs that took it.
type GraphEdge struct {
	From, To string
	Label    string // the branch's name, the event, "timeout"…; may be empty
	Count    int64
}

// Box is a node placed on the drawing.
type Box struct {
	GraphNode
	X, Y, W, H float64 // top-left corner and size
}

// CX is the box's horizontal centre.
func (b Box) CX() float64 { return b.X + b.W/2 }

// Arrow is an edge placed on the drawing: an SVG path and where its count goes.
type Arrow struct {
	GraphEdge
	Path   string
	LX, LY float64 // the label's anchor
}

// Graph is a laid-out journey: boxes in layers from the start node down,
// arrows between them; Width and Height are the drawing's size.
type Graph struct {
	Boxes         []Box
	Arrows        []Arrow
	Width, Height float64
}

const (
	boxW, boxH       = 170.0, 58.0
	colGap, rowGap   = 40.0, 70.0
	margin, loopSide = 30.0, 60.0
)

// Layout places the nodes in layers by their distance from start (breadth
// first; nodes no path reaches go last), each layer a row, and draws every
// edge: downward edges as curves from the bottom of one box to the top of
// the next, edges back up or across (loops) as curves round the right.
func Layout(nodes []GraphNode, edges []GraphEdge, start string) Graph {
	layers := layerOf(nodes, edges, start)
	rows := map[int][]GraphNode{}
	maxLayer, widest := 0, 1
	for _, n := range nodes {
		l := layers[n.ID]
		rows[l] = append(rows[l], n)
		maxLayer = max(maxLayer, l)
		widest = max(widest, len(rows[l]))
	}
	g := Graph{Width: 2*margin + float64(widest)*boxW + float64(widest-1)*colGap + loopSide,
		Height: 2*margin + float64(maxLayer+1)*boxH + float64(maxLayer)*rowGap}
	at := map[string]Box{}
	for l := 0; l <= maxLayer; l++ {
		row := rows[l]
		rowW := float64(len(row))*boxW + float64(len(row)-1)*colGap
		x0 := margin + (g.Width-loopSide-2*margin-rowW)/2
		for i, n := range row {
			b := Box{GraphNode: n, X: x0 + float64(i)*(boxW+colGap), Y: margin + float64(l)*(boxH+rowGap), W: boxW, H: boxH}
			g.Boxes = append(g.Boxes, b)
			at[n.ID] = b
		}
	}
	for _, e := range edges {
		from, ok1 := at[e.From]
		to, ok2 := at[e.To]
		if ok1 && ok2 {
			g.Arrows = append(g.Arrows, arrow(e, from, to, layers))
		}
	}
	return g
}

func arrow(e GraphEdge, from, to Box, layers map[string]int) Arrow {
	a := Arrow{GraphEdge: e}
	if layers[e.To] > layers[e.From] {
		x1, y1, x2, y2 := from.CX(), from.Y+from.H, to.CX(), to.Y
		mid := (y1 + y2) / 2
		a.Path = fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x1, y1, x1, mid, x2, mid, x2, y2)
		// a cubic with these controls passes (x1+x2)/2, mid at t = 0.5
		a.LX, a.LY = (x1+x2)/2, mid
		return a
	}
	x1, y1 := from.X+from.W, from.Y+from.H/2
	x2, y2 := to.X+to.W, to.Y+to.H/2
	bulge := math.Max(x1, x2) + loopSide
	a.Path = fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x1, y1, bulge, y1, bulge, y2, x2, y2)
	a.LX, a.LY = 0.125*x1+0.375*bulge+0.375*bulge+0.125*x2, (y1+y2)/2
	return a
}

// layerOf is each node's breadth-first distance from start; unreached
// nodes get one layer past the deepest.
func layerOf(nodes []GraphNode, edges []GraphEdge, start string) map[string]int {
	next := map[string][]string{}
	for _, e := range edges {
		next[e.From] = append(next[e.From], e.To)
	}
	layer := map[string]int{start: 0}
	queue, deepest := []string{start}, 0
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, to := range next[id] {
			if _, seen := layer[to]; !seen {
				layer[to] = layer[id] + 1
				deepest = max(deepest, layer[to])
				queue = append(queue, to)
			}
		}
	}
	for _, n := range nodes {
		if _, ok := layer[n.ID]; !ok {
			layer[n.ID] = deepest + 1
		}
	}
	return layer
}
