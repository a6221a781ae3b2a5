package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/store"
)

// provisionsCSVPage is how many records a CSV export reads per query.
const provisionsCSVPage = 1000

// listProvisions answers GET /v1/provisions and GET
// /v1/profiles/{id}/provisions: the records of third-party provision of
// the workspace (or of one customer), oldest first, a page of JSON, or
// every record as CSV (format=csv).
func (s *server) listProvisions(c *gin.Context) {
	f, format, ok := provisionFilter(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if format != "json" {
		f.Limit = provisionsCSVPage
	}
	// One read, page after page: the CSV streams every page.
	page := func() ([]store.Provision, string, error) { return s.Store.Provisions(ctx, workspace(c), f) }
	recs, next, err := page()
	if s.answered(c, err) {
		return
	}
	if format == "json" {
		body := gin.H{"provisions": nonNil(recs)}
		if next != "" {
			body["next"] = next
		}
		c.JSON(http.StatusOK, body)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="provisions.csv"`)
	c.Status(http.StatusOK)
	w := csvcell.NewWriter(c.Writer) // names and ids are users' text: no formulas
	_ = w.Write([]string{"id", "provided_at", "customer", "journey", "recipient", "host", "items"})
	for {
		for _, p := range recs {
			_ = w.Write([]string{strconv.FormatInt(p.ID, 10), p.ProvidedAt.UTC().Format(time.RFC3339), p.CustomerID, p.JourneyID,
				p.Recipient, p.Host, strings.Join(p.Items, " ")})
		}
		w.Flush()
		if next == "" || w.Error() != nil {
			return
		}
		f.After = next
		if recs, next, err = page(); err != nil {
			// The status is sent: a cut-short file is all we can say.
			s.Logger.Error("export provision records", "workspace", workspace(c), "error", err)
			return
		}
	}
}

// provisionFilter binds the query: customer (or the path's id), since,
// until (RFC 3339), after, limit and format.
func provisionFilter(c *gin.Context) (store.ProvisionFilter, string, bool) {
	f := store.ProvisionFilter{CustomerID: c.Query("customer"), After: c.Query("after")}
	if id := c.Param("id"); id != "" {
		f.CustomerID = id
	}
	for _, t := range []struct {
		field string
		into  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.Query(t.field); v != "" {
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				invalid(c, t.field, "must be an RFC 3339 time, as 2026-12-01T00:00:00+09:00")
				return f, "", false
			}
			*t.into = at
		}
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		invalid(c, "format", "must be json or csv")
		return f, "", false
	}
	limit, ok := pageLimit(c)
	f.Limit = limit
	return f, format, ok
}
