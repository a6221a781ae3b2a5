package api

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/store"
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

// debuggerFirst is how many calls the debugger page shows when it opens.
const debuggerFirst = 100

// uiDebugger is GET /ui/data/debugger: the event debugger, the latest
// calls with their verdicts as GET /v1/events/recent answers them; the
// page's script asks that route for newer ones every 2 s.
func (s *server) uiDebugger(c *gin.Context) {
	frame, err := s.frame(c, console.SectionDebugger, "debugger.title")
	if err != nil {
		s.fail(c, err)
		return
	}
	calls, err := s.Store.RecentCalls(c.Request.Context(), workspace(c),
		store.RecentCallsQuery{Limit: debuggerFirst, Payloads: maySeeProfiles(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]recentCallResponse, len(calls))
	var cursor int64
	for i, r := range calls {
		out[i], cursor = toRecentCall(r), max(cursor, r.Seq)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderPage(c, func(buf *bytes.Buffer) error {
		return console.Debugger(buf, console.DebuggerPage{Frame: frame, Calls: raw, Cursor: strconv.FormatInt(cursor, 10)})
	})
}
