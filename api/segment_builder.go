package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
)

// The segment builder's reads (the console's /ui/segments pages call
// them): an unsaved definition counted as you edit, a saved segment's
// reach per channel, and what uses it.

// segmentPreviewRequest is POST /v1/segments/preview's body: the
// definition as a save would send it, the id of the segment being edited
// (so a reference back to itself is caught as a save would), and how many
// members to list.
type segmentPreviewRequest struct {
	ID         string          `json:"id"`
	Definition json.RawMessage `json:"definition"`
	Sample     *int            `json:"sample"`
	// Check answers a definition the rules refuse 200 with valid false and
	// its field errors (draftVerdict), as the builder asks while the
	// marketer edits, so the browser sees no failing request.
	Check bool `json:"check"`
}

// channelReach is a reach without its member count, which answers carry
// beside it.
type channelReach struct {
	Email int64 `json:"email"`
	LINE  int64 `json:"line"`
	Push  int64 `json:"push"`
	SMS   int64 `json:"sms"`
}

func reachOf(r store.Reach) channelReach {
	return channelReach{Email: r.Email, LINE: r.LINE, Push: r.Push, SMS: r.SMS}
}

// previewSegment counts an unsaved definition, validated exactly as a
// save validates it (the same 422 at the same paths), with its reach per
// channel and a sample of members. It stores nothing.
func (s *server) previewSegment(c *gin.Context) {
	var req segmentPreviewRequest
	if !decodeJSON(c, 1<<20, &req, true) {
		return
	}
	sample := 20
	if req.Sample != nil {
		if *req.Sample < 0 || *req.Sample > store.MaxPreviewSample {
			invalid(c, "sample", "must be between 0 and 100")
			return
		}
		sample = *req.Sample
	}
	p, err := s.Store.PreviewSegment(c.Request.Context(), workspace(c), req.ID, req.Definition, sample)
	if fields := draftFaults(err); req.Check && len(fields) > 0 {
		c.JSON(http.StatusOK, draftVerdict{Valid: false, Errors: fields})
		return
	}
	if s.answered(c, err) {
		return
	}
	out := gin.H{"count": p.Reach.Members, "reach": reachOf(p.Reach), "sample": nonNil(p.Sample)}
	if req.Check {
		out["valid"] = true
	}
	c.JSON(http.StatusOK, out)
}

// segmentReach answers a saved segment's members counted now and, per
// channel, how many a promotional message could reach.
func (s *server) segmentReach(c *gin.Context) {
	r, err := s.Store.SegmentReach(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noSegment(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"segment": c.Param("id"), "count": r.Members, "reach": reachOf(r)})
}

// segmentUses lists what uses a segment: segments referencing it,
// journeys entering on it, broadcasts sending to it, rich menu rules.
func (s *server) segmentUses(c *gin.Context) {
	uses, err := s.Store.UsesOfSegment(c.Request.Context(), workspace(c), c.Param("id"))
	if s.answered(c, err, noSegment(c)) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"segment": c.Param("id"), "uses": uses})
}
