package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

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
	g, err := s.Store.CreateCheckedSegment(c.Request.Context(), workspace(c), store.Segment{ID: req.ID, Name: req.Name, Description: req.Description}, req.Definition)
	if s.answered(c, err, conflict("a segment with id "+req.ID+" already exists", taken("id"))) {
		return
	}
	c.Header("Location", "/v1/segments/"+g.ID)
	c.JSON(http.StatusCreated, toSegmentResponse(g))
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
	g, err := s.Store.ReviseSegment(c.Request.Context(), workspace(c), c.Param("id"), req.Name, req.Description, req.Definition)
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
