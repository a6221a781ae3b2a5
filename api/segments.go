package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/store"
)

// Segments (package segments): audiences as JSON conditions, counted and
// listed exactly at query time.

type segmentRequest struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Definition  json.RawMessage `json:"definition"`
}

type segmentResponse struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	Definition    json.RawMessage `json:"definition"`
	TimeDependent bool            `json:"timeDependent"`
	Version       int             `json:"version"`
	CreatedAt     time.Time       `json:"createdAt"`
	UpdatedAt     time.Time       `json:"updatedAt"`
}

func toSegmentResponse(g store.Segment) segmentResponse {
	return segmentResponse{ID: g.ID, Name: g.Name, Description: g.Description, Definition: g.Definition,
		TimeDependent: g.TimeDependent, Version: g.Version, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// createSegment validates and stores a segment at version 1.
func (s *server) createSegment(c *gin.Context) {
	var req segmentRequest
	if !decodeJSON(c, 1<<20, &req, true) || !nameAndID(c, &req.Name, &req.ID, "") {
		return
	}
	def, ok := s.segmentDefinition(c, req.ID, req.Definition)
	if !ok {
		return
	}
	g, err := s.Store.CreateSegment(c.Request.Context(), workspace(c), store.Segment{ID: req.ID, Name: req.Name, Description: req.Description, Definition: def})
	if s.answered(c, err, conflict("a segment with id "+req.ID+" already exists", taken("id"))) {
		return
	}
	c.Header("Location", "/v1/segments/"+g.ID)
	c.JSON(http.StatusCreated, toSegmentResponse(g))
}

// segmentDefinition parses and validates a definition against the
// workspace's taxonomy and segments, answering 400 or 422 naming each
// field at fault; it returns the definition as stored.
func (s *server) segmentDefinition(c *gin.Context, id string, raw json.RawMessage) (json.RawMessage, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		invalid(c, "definition", `is required: {"condition": {...}}`)
		return nil, false
	}
	d, err := segments.Parse(raw)
	var errs segments.Errors
	if errors.As(err, &errs) {
		for i := range errs {
			if f := errs[i].Field; f != "" && f != "definition" {
				errs[i].Field = "definition." + f
			} else {
				errs[i].Field = "definition"
			}
		}
		s.answered(c, segments.Invalid(errs))
		return nil, false
	}
	ctx := c.Request.Context()
	tax, err := s.Store.Taxonomy(ctx, workspace(c))
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	resolve, err := s.Store.SegmentResolver(ctx, workspace(c))
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	if errs := segments.Validate(d, segments.Env{Taxonomy: tax, Segments: resolve, Self: id}); len(errs) > 0 {
		s.answered(c, segments.Invalid(errs))
		return nil, false
	}
	if !s.referrersFit(c, id, d, resolve) {
		return nil, false
	}
	canonical, err := json.Marshal(d)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return canonical, true
}

// referrersFit refuses, with a 422 naming the chain, a definition of
// segment id that would make a segment referencing it expand past
// segments.MaxExpandedConditions.
func (s *server) referrersFit(c *gin.Context, id string, d segments.Definition, resolve segments.Resolver) bool {
	all, err := s.Store.ListSegments(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return false
	}
	ids := make([]string, len(all))
	for i, g := range all {
		ids[i] = g.ID
	}
	err = segments.CheckReferrers(id, d, ids, resolve)
	if err == nil {
		return true
	}
	msg := "with this definition, " + strings.TrimPrefix(err.Error(), "segments: ")
	problem(c, http.StatusUnprocessableEntity, msg, jsonfields.Error{Field: "definition.condition", Message: msg})
	return false
}

// listSegments lists the workspace's segments by id.
func (s *server) listSegments(c *gin.Context) {
	list, err := s.Store.ListSegments(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]segmentResponse, len(list))
	for i, g := range list {
		out[i] = toSegmentResponse(g)
	}
	c.JSON(http.StatusOK, gin.H{"segments": out})
}

func (s *server) getSegment(c *gin.Context) {
	g, err := s.Store.GetSegment(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noSegment(c)) {
		return
	}
	c.JSON(http.StatusOK, toSegmentResponse(g))
}

// noSegment is the 404 of a path naming a segment the workspace lacks.
func noSegment(c *gin.Context) outcome {
	return notFound("no segment " + c.Param("id") + " in this workspace")
}

// updateSegment replaces the definition (and name or description, when
// given) as the segment's next version.
func (s *server) updateSegment(c *gin.Context) {
	var req segmentRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	if req.ID != "" && req.ID != c.Param("id") {
		invalid(c, "id", "differs from the id in the path")
		return
	}
	current, err := s.Store.GetSegment(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noSegment(c)) {
		return
	}
	def, ok := s.segmentDefinition(c, current.ID, req.Definition)
	if !ok {
		return
	}
	current.Definition = def
	if req.Name != "" {
		current.Name = req.Name
	}
	if req.Description != "" {
		current.Description = req.Description
	}
	g, err := s.Store.UpdateSegment(c.Request.Context(), workspace(c), current)
	if s.answered(c, err, noSegment(c)) {
		return
	}
	c.JSON(http.StatusOK, toSegmentResponse(g))
}

func (s *server) deleteSegment(c *gin.Context) {
	if s.answered(c, s.Store.DeleteSegment(c.Request.Context(), workspace(c), c.Param("id")), noSegment(c)) {
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *server) countSegment(c *gin.Context) {
	n, err := s.Store.CountSegment(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noSegment(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"segment": c.Param("id"), "count": n})
}

// segmentMembers answers a page of member ids in id order; next, when
// present, is the after= of the following page.
func (s *server) segmentMembers(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	if limit == 0 {
		limit = store.DefaultSegmentPage
	}
	ids, err := s.Store.SegmentMembers(c.Request.Context(), workspace(c), c.Param("id"), c.Query("after"), limit)
	if s.answered(c, err, noSegment(c)) {
		return
	}
	resp := gin.H{"segment": c.Param("id"), "members": ids}
	if len(ids) == limit {
		resp["next"] = ids[len(ids)-1]
	}
	c.JSON(http.StatusOK, resp)
}

// profileSegments lists the segments a customer is in now.
func (s *server) profileSegments(c *gin.Context) {
	p, in, err := s.Store.ProfileWithSegments(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, notFound("no profile "+c.Param("id")+" in this workspace")) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"profile": p.ID, "segments": in})
}
