package api

import (
	"bytes"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
)

// uiTaxonomy is GET /ui/data/taxonomy: the workspace's design sheet as an
// editable table (the page's script reviews the diff with
// PUT /v1/taxonomy?dry_run=true, then applies); read-only for the roles
// that may not change it.
func (s *server) uiTaxonomy(c *gin.Context) {
	frame, err := s.frame(c, console.SectionData, "taxonomy.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	sheet, err := s.Store.Taxonomy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderPage(c, func(buf *bytes.Buffer) error {
		return console.Taxonomy(buf, console.TaxonomyPage{Frame: frame, Sheet: sheet})
	})
}
