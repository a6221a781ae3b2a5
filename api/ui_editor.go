package api

import (
	"bytes"
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
)

// uiEditor renders the journey canvas: /ui/journeys/new for a new journey,
// /ui/journeys/{id}/edit for the latest version of one. Readers whose role
// may not change journeys get it read-only. The page's script reads the
// layout and saves through the API (PUT /v1/journeys/{id} and
// /v1/journeys/{id}/layout).
func (s *server) uiEditor(c *gin.Context) {
	frame, err := s.frame(c, console.SectionJourneys, "editor.title.new")
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.EditorPage{Frame: frame, Editable: frame.Can("journeys")}
	if id := c.Param("id"); id != "" {
		j, err := s.Store.GetJourney(c.Request.Context(), workspace(c), id)
		if errors.Is(err, store.ErrNotFound) {
			uiNotFound(c, frame.Lang, console.T(frame.Lang, "journey.title")+" "+id)
			return
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		page.ID, page.Name, page.Status, page.Version, page.Definition = j.ID, j.Name, string(j.Status), j.LatestVersion, j.Definition
		page.TitleText = console.T(frame.Lang, "editor.title.edit", j.ID)
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Editor(buf, page) })
}
