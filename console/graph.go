package console

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
	skipSwing        = 150.0 // how far left an edge past a layer swings
)

// Layout places the nodes in layers (layerOf), each layer a row, and draws
// every edge: downward edges as curves from the bottom of one box to the top
// of the next, edges back up (loops) as curves round the right.
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
	g := Graph{Width: 2*margin + skipSwing + float64(widest)*boxW + float64(widest-1)*colGap + loopSide,
		Height: 2*margin + float64(maxLayer+1)*boxH + float64(maxLayer)*rowGap}
	at := map[string]Box{}
	for l := 0; l <= maxLayer; l++ {
		row := rows[l]
		rowW := float64(len(row))*boxW + float64(len(row)-1)*colGap
		x0 := margin + skipSwing + (g.Width-loopSide-skipSwing-2*margin-rowW)/2
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
	if span := layers[e.To] - layers[e.From]; span > 0 {
		x1, y1, x2, y2 := from.CX(), from.Y+from.H, to.CX(), to.Y
		// An edge past a layer swings left of the boxes between.
		off := 0.0
		if span > 1 {
			off = skipSwing
		}
		p1y, p2y := y1+(y2-y1)/4, y2-(y2-y1)/4
		a.Path = fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x1, y1, x1-off, p1y, x2-off, p2y, x2, y2)
		// the cubic's point at t = 0.5
		a.LX, a.LY = (x1+x2)/2-0.75*off, (y1+y2)/2
		return a
	}
	x1, y1 := from.X+from.W, from.Y+from.H/2
	x2, y2 := to.X+to.W, to.Y+to.H/2
	bulge := math.Max(x1, x2) + loopSide
	a.Path = fmt.Sprintf("M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", x1, y1, bulge, y1, bulge, y2, x2, y2)
	a.LX, a.LY = 0.125*x1+0.75*bulge+0.125*x2, (y1+y2)/2
	return a
}

// layerOf is each node's layer: the longest path to it from start over
// the edges that do not close a loop (a depth-first search from start marks
// the edges back to a node still on its path), so every forward edge points
// down; nodes no path reaches go one layer past the deepest.
func layerOf(nodes []GraphNode, edges []GraphEdge, start string) map[string]int {
	next := map[string][]string{}
	for _, e := range edges {
		next[e.From] = append(next[e.From], e.To)
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var order []string // reverse postorder: a topological order of the forward edges
	back := map[[2]string]bool{}
	var visit func(string)
	visit = func(id string) {
		state[id] = onPath
		for _, to := range next[id] {
			switch state[to] {
			case onPath:
				back[[2]string{id, to}] = true
			case unseen:
				visit(to)
			}
		}
		state[id] = done
		order = append(order, id)
	}
	visit(start)
	layer, deepest := map[string]int{start: 0}, 0
	for i := len(order) - 1; i >= 0; i-- {
		id := order[i]
		for _, to := range next[id] {
			if !back[[2]string{id, to}] && layer[id]+1 > layer[to] {
				layer[to] = layer[id] + 1
				deepest = max(deepest, layer[to])
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
