package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// layoutBody is GET and PUT /v1/journeys/{id}/layout: where the console's
// canvas draws each node of a version. Positions never change what the
// journey does, and saving them makes no new version.
type layoutBody struct {
	JourneyID string                   `json:"journeyId"`
	Version   int                      `json:"version"` // the version the layout was saved for; 0: none yet
	Nodes     map[string]journey.Point `json:"nodes"`
	UpdatedAt *time.Time               `json:"updatedAt,omitempty"`
}

type putLayoutRequest struct {
	Version int                      `json:"version"`
	Nodes   map[string]journey.Point `json:"nodes"`
}

func toLayoutBody(l store.JourneyLayout) (layoutBody, error) {
	out := layoutBody{JourneyID: l.JourneyID, Version: l.Version, Nodes: map[string]journey.Point{}}
	if l.Layout != nil {
		var stored journey.Layout
		if err := json.Unmarshal(l.Layout, &stored); err != nil {
			return out, err
		}
		if stored.Nodes != nil {
			out.Nodes = stored.Nodes
		}
		at := l.UpdatedAt
		out.UpdatedAt = &at
	}
	return out, nil
}

// getJourneyLayout answers the layout of ?version= (the latest version when
// absent): the version's own, else the latest earlier version's, else none
// (version 0, no nodes: the canvas lays the graph out itself).
func (s *server) getJourneyLayout(c *gin.Context) {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(c, "version", "must be a version number (1, 2, …)")
			return
		}
		version = n
	}
	l, err := s.Store.GetJourneyLayout(c.Request.Context(), workspace(c), c.Param("id"), version)
	if s.answered(c, err, noJourney(c)) {
		return
	}
	out, err := toLayoutBody(l)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// putJourneyLayout stores the positions of a version's nodes.
func (s *server) putJourneyLayout(c *gin.Context) {
	var req putLayoutRequest
	if !decodeJSON(c, 256<<10, &req, true) {
		return
	}
	if req.Version < 1 {
		invalid(c, "version", "is required: the journey version the layout is for (1, 2, …)")
		return
	}
	layout := journey.Layout{Nodes: req.Nodes}
	if layout.Nodes == nil {
		layout.Nodes = map[string]journey.Point{}
	}
	if s.answered(c, journey.ValidateLayout(layout)) {
		return
	}
	raw, err := json.Marshal(layout)
	if err != nil {
		s.fail(c, err)
		return
	}
	l, err := s.Store.PutJourneyLayout(c.Request.Context(), workspace(c), c.Param("id"), req.Version, raw)
	if s.answered(c, err, notFound("no version "+strconv.Itoa(req.Version)+" of journey "+c.Param("id")+" in this workspace")) {
		return
	}
	out, err := toLayoutBody(l)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
