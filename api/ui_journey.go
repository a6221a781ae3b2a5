package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/report"
	"github.com/tabiji/tabiji/store"
)

// uiJourney renders a journey's report: the graph with each node's and
// edge's counts, the funnel, the daily series and the experiments, from
// the same store calls as GET /v1/journeys/{id}/stats and /experiments
// (with the same version, from, to, tz and mde parameters).
func (s *server) uiJourney(c *gin.Context) {
	ctx, ws := c.Request.Context(), workspace(c)
	j, err := s.Store.GetJourney(ctx, ws, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		uiNotFound(c, "Journey "+c.Param("id"))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	q, ok := s.statsQuery(c)
	if !ok {
		return
	}
	opts, ok := experimentOptions(c)
	if !ok {
		return
	}
	st, err := s.Store.JourneyStats(ctx, ws, j.ID, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	exps, err := s.experiments(ctx, j, q.Version, opts)
	if err != nil {
		s.fail(c, err)
		return
	}
	var def journey.Definition
	if err := json.Unmarshal(j.Definition, &def); err != nil {
		s.fail(c, fmt.Errorf("read definition of %s: %w", j.ID, err))
		return
	}
	set, err := s.Store.WorkspaceSettings(ctx, ws)
	if err != nil {
		s.fail(c, err)
		return
	}
	page := journeyPage(j, def, st)
	page.Locale, page.Currency = set.Locale, set.Currency
	page.Experiments = exps.Experiments
	page.StatsURL = "/v1/journeys/" + url.PathEscape(j.ID) + "/stats?" + c.Request.URL.RawQuery
	page.ExperimentsURL = "/v1/journeys/" + url.PathEscape(j.ID) + "/experiments?" + c.Request.URL.RawQuery
	s.renderPage(c, func(buf *bytes.Buffer) error { return report.Journey(buf, page) })
}

// journeyPage lays the statistics over the definition's graph. A node or
// edge the runs took that the latest definition no longer has (an older
// version's) is drawn too, so no count is lost.
func journeyPage(j store.Journey, def journey.Definition, st store.JourneyStats) report.JourneyPage {
	nodes, edges := report.DefinitionGraph(def)
	nodes, edges = mergeCounts(nodes, edges, st.Nodes)
	t := st.Totals
	return report.JourneyPage{
		ID: j.ID, Name: j.Name, Status: string(j.Status), Version: j.LatestVersion, Timezone: st.Timezone,
		Graph:   report.Layout(nodes, edges, def.StartNode()),
		Entered: t.Entered, InProgress: t.InProgress, Converted: t.Converted, Revenue: t.Revenue, CVR: t.CVR,
		Funnel: []report.FunnelStep{{Label: "Entered", Count: t.Entered}, {Label: "Sent", Count: t.Sent},
			{Label: "Delivered", Count: t.Delivered}, {Label: "Opened", Count: t.Opened},
			{Label: "Clicked", Count: t.Clicked}, {Label: "Converted", Count: t.Converted}},
		Daily: dailyRows(st.Daily),
	}
}

func mergeCounts(nodes []report.GraphNode, edges []report.GraphEdge, counted []store.NodeStats) ([]report.GraphNode, []report.GraphEdge) {
	at := map[string]int{}
	for i, n := range nodes {
		at[n.ID] = i
	}
	edgeAt := map[[2]string]int{}
	var merged []report.GraphEdge
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
			nodes = append(nodes, report.GraphNode{ID: n.ID, Kind: n.Kind})
		}
		nodes[i].Entered = n.Entered
		for _, e := range n.Edges {
			if e.To == "" {
				continue // the run ended at the node
			}
			k := [2]string{n.ID, e.To}
			if _, ok := edgeAt[k]; !ok {
				edgeAt[k] = len(merged)
				merged = append(merged, report.GraphEdge{From: n.ID, To: e.To})
			}
			merged[edgeAt[k]].Count = e.Count
		}
	}
	return nodes, merged
}

func dailyRows(days []store.DayStats) []report.Day {
	out := make([]report.Day, len(days))
	for i, d := range days {
		out[i] = report.Day{Day: d.Day, Entered: d.Entered, Sent: d.Sent, Opened: d.Opened, Converted: d.Converted, Revenue: d.Revenue}
	}
	return out
}
