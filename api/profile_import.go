package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// Limits of one POST /v1/profiles/import: tabiji profiles import sends
// batches well inside them.
const (
	maxImportRows  = 1000
	maxImportBytes = 8 << 20
	maxImportID    = 256
)

// importBody is POST /v1/profiles/import: rows of a customer file, each
// with the line it came from, so that rejects name it.
type importBody struct {
	// AsOf is the time the traits are set at (latest wins per trait): the
	// same for every batch of one import, so a repeat changes nothing. Now
	// when left out.
	AsOf string `json:"as_of"` // RFC 3339
	// Text says the values are text from a CSV file: each is converted to
	// the type of its user property in the taxonomy ("42" to 42), and an
	// empty one leaves the trait as it is.
	Text bool        `json:"text"`
	Rows []importRow `json:"rows"`
}

type importRow struct {
	Line   int            `json:"line"`
	ID     string         `json:"id"`
	Traits map[string]any `json:"traits"`
}

// importReject is one reason a row was refused.
type importReject struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

type importResult struct {
	Received  int            `json:"received"`
	Imported  int            `json:"imported"`  // rows applied
	Changed   int            `json:"changed"`   // profiles whose traits changed
	Unchanged int            `json:"unchanged"` // rows applied that changed nothing
	Rejected  []importReject `json:"rejected"`
}

// importProfiles answers POST /v1/profiles/import: the valid rows are
// upserted in one transaction; each invalid one (no id, a trait that breaks
// its user property) is answered with its line and reasons.
func (s *server) importProfiles(c *gin.Context) {
	var b importBody
	if !decodeJSON(c, maxImportBytes, &b, true) {
		return
	}
	if len(b.Rows) == 0 || len(b.Rows) > maxImportRows {
		invalid(c, "rows", "must hold 1 to "+strconv.Itoa(maxImportRows)+" rows")
		return
	}
	asOf := time.Now().UTC()
	if b.AsOf != "" {
		t, err := time.Parse(time.RFC3339Nano, b.AsOf)
		if err != nil {
			invalid(c, "as_of", "must be an RFC 3339 time, such as 2026-11-23T10:00:00Z")
			return
		}
		asOf = t
	}
	t, err := s.taxonomies.Get(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	types := userPropertyTypes(t)
	res := importResult{Received: len(b.Rows), Rejected: []importReject{}}
	var updates []store.ProfileUpdate
	for _, r := range b.Rows {
		change, rejects := importChange(r, b.Text, types, t)
		if len(rejects) > 0 {
			res.Rejected = append(res.Rejected, rejects...)
			continue
		}
		updates = append(updates, store.ProfileUpdate{ID: r.ID, Change: change, At: asOf})
	}
	changed, err := s.Store.ImportProfiles(c.Request.Context(), workspace(c), updates)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.pipeline.ScoreImported(c.Request.Context(), workspace(c), updates, asOf); err != nil {
		s.fail(c, err)
		return
	}
	res.Imported, res.Changed = len(updates), changed
	res.Unchanged = len(updates) - changed
	c.JSON(http.StatusOK, res)
}

// importChange is what a row does to its profile, or why it cannot.
func importChange(r importRow, text bool, types map[string]taxonomy.Type, t *taxonomy.Taxonomy) (store.ProfileChange, []importReject) {
	reject := func(field, msg string) []importReject {
		return []importReject{{Line: r.Line, Field: field, Message: msg}}
	}
	r.ID = strings.TrimSpace(r.ID)
	switch {
	case r.ID == "":
		return store.ProfileChange{}, reject("id", "is empty: every row needs the customer's id")
	case len(r.ID) > maxImportID:
		return store.ProfileChange{}, reject("id", "is longer than "+strconv.Itoa(maxImportID)+" bytes")
	}
	change := store.ProfileChange{Set: map[string]any{}}
	for k, v := range r.Traits {
		if k == "" {
			return store.ProfileChange{}, reject("traits", "a trait has no name (an empty column header?)")
		}
		if s, ok := v.(string); ok && text {
			if s == "" {
				continue
			}
			v = fromText(s, types[k])
		}
		if v == nil {
			change.Unset = append(change.Unset, k)
			continue
		}
		change.Set[k] = v
	}
	if t == nil {
		return change, nil
	}
	var out []importReject
	for _, v := range t.CheckTraits(change.Set).Violations {
		out = append(out, importReject{Line: r.Line, Field: v.Field, Message: v.Message})
	}
	return change, out
}

// userPropertyTypes maps each user property of the taxonomy to its type.
func userPropertyTypes(t *taxonomy.Taxonomy) map[string]taxonomy.Type {
	out := map[string]taxonomy.Type{}
	if t != nil {
		for _, p := range t.UserProperties {
			out[p.Name] = p.Type
		}
	}
	return out
}

// fromText reads a CSV cell as its user property's type; text that does
// not read as that type stays text, for the taxonomy check to name.
func fromText(s string, typ taxonomy.Type) any {
	switch typ {
	case taxonomy.Number, taxonomy.Integer:
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case taxonomy.Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "yes", "1":
			return true
		case "false", "no", "0":
			return false
		}
	case taxonomy.Array, taxonomy.Object:
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			return v
		}
	}
	return s
}
