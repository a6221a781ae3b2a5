package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/jsonfields"
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
// in id order as JSONL or CSV. Membership is evaluated as of the request.
func (s *server) exportProfiles(c *gin.Context) {
	format := c.DefaultQuery("format", "jsonl")
	if format != "jsonl" && format != "csv" {
		invalid(c, "format", "must be jsonl or csv")
		return
	}
	ctx, ws, seg, now := c.Request.Context(), workspace(c), c.Query("segment"), time.Now()
	page := func(after string) ([]store.Profile, error) {
		return s.Store.ProfilesPage(ctx, ws, seg, after, exportPage, now)
	}
	first, err := page("")
	if s.answered(c, err, notFound("no segment "+seg+" in this workspace", jsonfields.Error{Field: "segment", Message: "no such segment"})) {
		return
	}
	write, ok := s.exportWriter(c, format, first)
	if !ok {
		return
	}
	for ps := first; len(ps) > 0; {
		for _, p := range ps {
			if err := write(p); err != nil {
				return // the client went away
			}
		}
		c.Writer.Flush()
		if len(ps) < exportPage {
			return
		}
		if ps, err = page(ps[len(ps)-1].ID); err != nil {
			// The status is sent: a cut-short body is all we can say.
			s.Logger.Error("export profiles", "workspace", ws, "segment", seg, "error", err)
			return
		}
	}
}

// exportWriter sends the headers and returns the func that writes one profile.
func (s *server) exportWriter(c *gin.Context, format string, first []store.Profile) (func(store.Profile) error, bool) {
	if format == "jsonl" {
		c.Header("Content-Type", "application/x-ndjson")
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		return func(p store.Profile) error {
			return enc.Encode(exportedProfile{ID: p.ID, Traits: p.Traits, Tags: nonNil(p.Tags), Email: p.Email, Phone: p.Phone,
				Timezone: p.Timezone, Locale: p.Locale, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt})
		}, true
	}
	fields, ok := s.exportFields(c, first)
	if !ok {
		return nil, false
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	w := csvcell.NewWriter(c.Writer) // ids and traits are customers' text: no formulas
	if err := w.Write(append([]string{"id"}, fields...)); err != nil {
		return nil, false
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
	}, true
}

// exportFields are the CSV's trait columns: ?fields=, else the taxonomy's
// user properties, else the traits the first page holds.
func (s *server) exportFields(c *gin.Context, first []store.Profile) ([]string, bool) {
	if f := strings.TrimSpace(c.Query("fields")); f != "" {
		fields := strings.Split(f, ",")
		for i := range fields {
			if fields[i] = strings.TrimSpace(fields[i]); fields[i] == "" || fields[i] == "id" {
				invalid(c, "fields", "lists trait names separated by commas (id always comes first)")
				return nil, false
			}
		}
		return fields, true
	}
	t, err := s.taxonomies.Get(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	var fields []string
	for name := range ingest.UserPropertyTypes(t) {
		fields = append(fields, name)
	}
	if len(fields) == 0 {
		seen := map[string]bool{}
		for _, p := range first {
			for k := range maps.Keys(p.Traits) {
				seen[k] = true
			}
		}
		fields = slices.Collect(maps.Keys(seen))
	}
	slices.Sort(fields)
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
