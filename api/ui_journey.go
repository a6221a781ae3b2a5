package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// uiJourney renders a journey's report: the graph with each node's and
// edge's counts, the funnel, the daily series and the experiments, from
// the same store calls as GET /v1/journeys/{id}/stats and /experiments
// (with the same version, from, to, tz and mde parameters).
func (s *server) uiJourney(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	frame, err := s.frame(c, console.SectionJourneys, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	q, ok := statsQuery(c)
	if !ok {
		return
	}
	opts, ok := experimentOptions(c)
	if !ok {
		return
	}
	r, err := s.Store.JourneyReport(ctx, ws, c.Param("id"), q)
	if errors.Is(err, store.ErrNotFound) {
		uiNotFound(c, frame.Lang, console.T(frame.Lang, "journey.title")+" "+c.Param("id"))
		return
	}
	if s.answered(c, err) { // a period the workspace's zone makes empty: 400 on to
		return
	}
	j, st := r.Journey, r.Stats
	exps, err := experimentsOf(r.JourneyExperimentData, q.Version, opts)
	if err != nil {
		s.fail(c, err)
		return
	}
	var def journey.Definition
	if err := json.Unmarshal(j.Definition, &def); err != nil {
		s.fail(c, fmt.Errorf("read definition of %s: %w", j.ID, err))
		return
	}
	page := journeyPage(j, def, st)
	frame.TitleText = j.ID
	page.Frame = frame
	page.Launched = c.Query("launched") != ""
	if r.Activation != nil {
		row := approvalRow(frame, *r.Activation)
		page.Activation = &row
	}
	page.EntryEvent, page.EntryProperties = def.Entry.Event, entryInputs(def, r.EntryEvent)
	page.Experiments = exps.Experiments
	page.StatsURL = "/v1/journeys/" + url.PathEscape(j.ID) + "/stats?" + c.Request.URL.RawQuery
	page.ExperimentsURL = "/v1/journeys/" + url.PathEscape(j.ID) + "/experiments?" + c.Request.URL.RawQuery
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Journey(buf, page) })
}

// journeyPage lays the statistics over the definition's graph. A node or
// edge the runs took that the latest definition no longer has (an older
// version's) is drawn too, so no count is lost.
func journeyPage(j store.Journey, def journey.Definition, st store.JourneyStats) console.JourneyPage {
	nodes, edges := console.DefinitionGraph(def)
	nodes, edges = mergeCounts(nodes, edges, st.Nodes)
	t := st.Totals
	return console.JourneyPage{
		ID: j.ID, Name: j.Name, Status: string(j.Status), Version: j.LatestVersion, Timezone: st.Timezone,
		Graph:   console.Layout(nodes, edges, def.StartNode()),
		Entered: t.Entered, InProgress: t.InProgress, Converted: t.Converted, Revenue: t.Revenue, CVR: t.CVR,
		Funnel: []console.FunnelStep{{Label: "kpi.entered", Count: t.Entered}, {Label: "kpi.sent", Count: t.Sent},
			{Label: "kpi.delivered", Count: t.Delivered}, {Label: "kpi.opened", Count: t.Opened},
			{Label: "kpi.clicked", Count: t.Clicked}, {Label: "kpi.converted", Count: t.Converted}},
		Daily: dailyRows(st.Daily),
	}
}

func mergeCounts(nodes []console.GraphNode, edges []console.GraphEdge, counted []store.NodeStats) ([]console.GraphNode, []console.GraphEdge) {
	at := map[string]int{}
	for i, n := range nodes {
		at[n.ID] = i
	}
	edgeAt := map[[2]string]int{}
	var merged []console.GraphEdge
	for _, e := range edges { // one arrow per pair of nodes, its labels joined
		k := [2]string{e.From, e.To}
		if i, ok := edgeAt[k]; ok {
			merged[i].Label += ", " + e.Label
			continue
		}
		edgeAt[k] = len(merged)
		merged = append(merged, e)
	}
	for _, n := range counted {
		i, ok := at[n.ID]
		if !ok {
			at[n.ID], i = len(nodes), len(nodes)
			nodes = append(nodes, console.GraphNode{ID: n.ID, Kind: n.Kind})
		}
		nodes[i].Entered = n.Entered
		for _, e := range n.Edges {
			if e.To == "" {
				continue // the run ended at the node
			}
			k := [2]string{n.ID, e.To}
			if _, ok := edgeAt[k]; !ok {
				edgeAt[k] = len(merged)
				merged = append(merged, console.GraphEdge{From: n.ID, To: e.To})
			}
			merged[edgeAt[k]].Count = e.Count
		}
	}
	return nodes, merged
}

func dailyRows(days []store.DayStats) []console.Day {
	out := make([]console.Day, len(days))
	for i, d := range days {
		out[i] = console.Day{Day: d.Day, Entered: d.Entered, Sent: d.Sent, Opened: d.Opened, Converted: d.Converted, Revenue: d.Revenue}
	}
	return out
}

// entryInputs are the entry event's properties that the entry filter
// reads, each typed by the taxonomy's definition of the event where it has
// the property, else by how the filter reads it.
func entryInputs(d journey.Definition, event taxonomy.EventDef) []console.EntryInput {
	var out []console.EntryInput
	for _, p := range journey.EntryProperties(d) {
		in := console.EntryInput{Name: p.Name, Type: p.Type}
		if i := slices.IndexFunc(event.Properties, func(q taxonomy.PropertyDef) bool { return q.Name == p.Name }); i >= 0 {
			q := event.Properties[i]
			in.Description = q.Description
			switch q.Type {
			case taxonomy.Number, taxonomy.Integer, taxonomy.Boolean:
				in.Type = string(q.Type)
			case taxonomy.String, taxonomy.Timestamp:
				in.Type = journey.PropertyString
			}
		}
		out = append(out, in)
	}
	return out
}
