package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/profiles"
	"github.com/tabiji/tabiji/store"
)

// exportPage is how many profiles the export reads per query.
const exportPage = 500

// exportedProfile is one line of a JSONL export; tabiji profiles import
// reads it back (id and traits).
type exportedProfile struct {
	ID        string         `json:"id"`
	Traits    map[string]any `json:"traits"`
	Tags      []string       `json:"tags"`
	Email     string         `json:"email,omitempty"`
	Phone     string         `json:"phone,omitempty"`
	Timezone  string         `json:"timezone,omitempty"`
	Locale    string         `json:"locale,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// exportProfiles answers GET /v1/profiles/export?segment=&format=&fields=:
// the profiles of a segment (or of the workspace), streamed page by page
// in id order as JSONL or CSV (profiles.Service.ExportPage, whose first
// page also names the CSV's columns unless fields= does). Membership is
// evaluated as of the request.
func (s *server) exportProfiles(c *gin.Context) {
	format := c.DefaultQuery("format", "jsonl")
	if format != "jsonl" && format != "csv" {
		invalid(c, "format", "must be jsonl or csv")
		return
	}
	fields, fieldsOK := exportFields(c.Query("fields"))
	ctx, ws, seg := c.Request.Context(), workspace(c), c.Query("segment")
	q := profiles.ExportQuery{Segment: seg, Limit: exportPage, Now: time.Now(), Columns: format == "csv" && fields == nil && fieldsOK}
	page := func(q profiles.ExportQuery) (profiles.ExportPage, error) { return s.profiles.ExportPage(ctx, ws, q) }
	first, err := page(q)
	if s.answered(c, err, notFound("no segment "+seg+" in this workspace", jsonfields.Error{Field: "segment", Message: "no such segment"})) {
		return
	}
	if format == "csv" && !fieldsOK { // JSONL has no columns to name
		invalid(c, "fields", "lists trait names separated by commas (id always comes first)")
		return
	}
	if fields == nil {
		fields = first.Columns
	}
	write := exportWriter(c, format, fields)
	for ps := first.Profiles; len(ps) > 0; {
		for _, p := range ps {
			if err := write(p); err != nil {
				return // the client went away
			}
		}
		c.Writer.Flush()
		if len(ps) < exportPage {
			return
		}
		q.After, q.Columns = ps[len(ps)-1].ID, false
		next, err := page(q)
		if err != nil {
			// The status is sent: a cut-short body is all we can say.
			s.Logger.Error("export profiles", "workspace", ws, "segment", seg, "error", err)
			return
		}
		ps = next.Profiles
	}
}

// exportWriter sends the headers and returns the func that writes one
// profile; fields are the CSV's trait columns.
func exportWriter(c *gin.Context, format string, fields []string) func(store.Profile) error {
	if format == "jsonl" {
		c.Header("Content-Type", "application/x-ndjson")
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		return func(p store.Profile) error {
			return enc.Encode(exportedProfile{ID: p.ID, Traits: p.Traits, Tags: nonNil(p.Tags), Email: p.Email, Phone: p.Phone,
				Timezone: p.Timezone, Locale: p.Locale, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt})
		}
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	w := csvcell.NewWriter(c.Writer) // ids and traits are customers' text: no formulas
	if err := w.Write(append([]string{"id"}, fields...)); err != nil {
		return func(store.Profile) error { return err }
	}
	return func(p store.Profile) error {
		rec := []string{p.ID}
		for _, f := range fields {
			rec = append(rec, cell(p.Traits[f]))
		}
		if err := w.Write(rec); err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	}
}

// exportFields reads fields= (trait names separated by commas): nil when
// it is empty (the export names the columns), false when a name is empty
// or id.
func exportFields(f string) ([]string, bool) {
	if f = strings.TrimSpace(f); f == "" {
		return nil, true
	}
	fields := strings.Split(f, ",")
	for i := range fields {
		if fields[i] = strings.TrimSpace(fields[i]); fields[i] == "" || fields[i] == "id" {
			return nil, false
		}
	}
	return fields, true
}

// cell writes a trait as CSV text: strings as they are, numbers without
// exponent where they can, other values as JSON.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v) // traits come from JSON
	return string(b)
}
