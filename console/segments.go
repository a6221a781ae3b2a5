package console

import (
	"encoding/json"
	"io"
	"time"

	"github.com/tabiji/tabiji/store"
)

// SegmentsPage is the list of segments: each with its members counted
// live by the page's script (GET /v1/segments/{id}/count) and what uses it.
type SegmentsPage struct {
	Frame
	Segments []SegmentRow
}

// SegmentRow is one segment of the list.
type SegmentRow struct {
	ID, Name      string
	Version       int
	TimeDependent bool
	Updated       time.Time
	Uses          []store.SegmentUse
}

// Segments renders the list of segments.
func Segments(w io.Writer, p SegmentsPage) error { return render(w, "segments.html", p) }

// SegmentPage is the segment builder: a new segment (New) or a stored
// one, its definition drawn as groups of conditions by the page's script,
// which counts it live as it is edited (POST /v1/segments/preview).
type SegmentPage struct {
	Frame
	New         bool
	ID, Name    string
	Description string
	Version     int
	Definition  json.RawMessage // handed to the script as JSON
	Uses        []store.SegmentUse
	ExportURL   string // the members as CSV (GET /v1/profiles/export)
}

// Segment renders the segment builder.
func Segment(w io.Writer, p SegmentPage) error { return render(w, "segment.html", p) }

// UseHref is where a use of a segment is shown in the console, "" when
// it has no page.
func UseHref(u store.SegmentUse) string {
	switch u.Kind {
	case "segment":
		return "/ui/segments/" + u.ID
	case "journey":
		return "/ui/journeys/" + u.ID
	}
	return ""
}
