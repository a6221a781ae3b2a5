package console

import (
	"cmp"
	"fmt"

	"github.com/tabiji/tabiji/journey"
)

// DefinitionGraph is the nodes and edges a journey definition declares,
// labelled with what takes a run along each edge, without counts.
func DefinitionGraph(d journey.Definition) ([]GraphNode, []GraphEdge) {
	var nodes []GraphNode
	var edges []GraphEdge
	add := func(from, to, label string) {
		if to != "" {
			edges = append(edges, GraphEdge{From: from, To: to, Label: label})
		}
	}
	for _, n := range d.Nodes {
		nodes = append(nodes, GraphNode{ID: n.ID, Kind: n.Kind})
		add(n.ID, n.Next, "")
		for _, e := range n.Events {
			add(n.ID, e.Next, e.Event)
		}
		add(n.ID, n.OnTimeout, "timeout")
		for i, c := range n.Cases {
			add(n.ID, c.Next, cmp.Or(c.Name, fmt.Sprintf("case %d", i)))
		}
		add(n.ID, n.Default, "default")
		for _, v := range n.Variants {
			add(n.ID, v.Next, v.Name)
		}
		if n.Control != nil {
			add(n.ID, n.Control.Next, journey.ControlVariant)
		}
	}
	return nodes, edges
}
