package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
)

// uiSegments is GET /ui/segments: every segment with what uses it; the
// page's script counts each one's members live.
func (s *server) uiSegments(c *gin.Context) {
	frame, err := s.frame(c, console.SectionSegments, "segments.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	list, uses, err := s.Store.SegmentsWithUses(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.SegmentsPage{Frame: frame}
	for _, g := range list {
		page.Segments = append(page.Segments, console.SegmentRow{ID: g.ID, Name: g.Name, Version: g.Version,
			TimeDependent: g.TimeDependent, Updated: g.UpdatedAt, Uses: uses[g.ID]})
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Segments(buf, page) })
}

// newSegmentDefinition is where a new segment starts: one empty "all of"
// group for the builder to add conditions to.
var newSegmentDefinition = json.RawMessage(`{"condition":{"and":[]}}`)

// uiSegment is GET /ui/segments/new and /ui/segments/{id}: the segment
// builder. Its script counts the definition as it is edited and saves it
// through /v1/segments; a role that may not change segments sees it
// read-only.
func (s *server) uiSegment(c *gin.Context) {
	frame, err := s.frame(c, console.SectionSegments, "segment.new")
	if err != nil {
		s.fail(c, err)
		return
	}
	id := c.Param("id")
	if id == "" {
		page := console.SegmentPage{Frame: frame, New: true, Definition: newSegmentDefinition}
		s.renderPage(c, func(buf *bytes.Buffer) error { return console.Segment(buf, page) })
		return
	}
	g, uses, err := s.Store.SegmentWithUses(c.Request.Context(), workspace(c), id)
	if errors.Is(err, store.ErrNotFound) {
		uiNotFound(c, frame.Lang, console.T(frame.Lang, "segment.title")+" "+id)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	frame.Title, frame.TitleText = "", g.Name
	page := console.SegmentPage{Frame: frame, ID: g.ID, Name: g.Name, Description: g.Description, Version: g.Version,
		Definition: g.Definition, Uses: uses, ExportURL: "/v1/profiles/export?" + url.Values{"segment": {g.ID}, "format": {"csv"}}.Encode()}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Segment(buf, page) })
}
