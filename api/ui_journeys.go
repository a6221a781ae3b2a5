package api

import (
	"bytes"
	"errors"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/journeytemplates"
)

// uiListDays is how far back the journey list counts entries, conversions
// and revenue.
const uiListDays = 7

// uiJourneys lists the workspace's journeys with their last seven days
// (store.JourneysOverview).
func (s *server) uiJourneys(c *gin.Context) {
	frame, err := s.frame(c, console.SectionJourneys, "journeys.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Store.JourneysOverview(c.Request.Context(), workspace(c), time.Now().AddDate(0, 0, -uiListDays))
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.JourneysPage{Frame: frame, Journeys: list}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Journeys(buf, page) })
}

// uiGallery renders the template library in the reader's language.
func (s *server) uiGallery(c *gin.Context) {
	frame, err := s.frame(c, console.SectionJourneys, "gallery.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	page := console.GalleryPage{Frame: frame}
	for _, t := range journeytemplates.List() {
		page.Templates = append(page.Templates, t.In(frame.Lang))
	}
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.Gallery(buf, page) })
}

// uiTemplate renders one template with its launch form; event fields
// offer the taxonomy's events.
func (s *server) uiTemplate(c *gin.Context) {
	frame, err := s.frame(c, console.SectionJourneys, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := journeytemplates.Get(c.Param("name"))
	if errors.Is(err, journeytemplates.ErrUnknown) {
		uiNotFound(c, frame.Lang, c.Param("name"))
		return
	}
	tax, err := s.Store.Taxonomy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	events := make([]string, 0, len(tax.Events))
	for _, e := range tax.Events {
		events = append(events, e.Name)
	}
	sort.Strings(events)
	t = t.In(frame.Lang)
	frame.TitleText = t.Title
	page := console.NewTemplatePage(frame, t, events)
	s.renderPage(c, func(buf *bytes.Buffer) error { return console.TemplateForm(buf, page) })
}
