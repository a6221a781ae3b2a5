package ingest

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// maxImportID bounds a customer id in an imported row.
const maxImportID = 256

// ImportRow is one row of a customer file, with the line it came from so
// that a reject names it.
type ImportRow struct {
	Line   int            `json:"line"`
	ID     string         `json:"id"`
	Traits map[string]any `json:"traits"`
}

// ImportReject is one reason a row was refused.
type ImportReject struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportResult is what an import did.
type ImportResult struct {
	Received  int            `json:"received"`
	Imported  int            `json:"imported"`  // rows applied
	Changed   int            `json:"changed"`   // profiles whose traits changed
	Unchanged int            `json:"unchanged"` // rows applied that changed nothing
	Rejected  []ImportReject `json:"rejected"`
}

// ImportProfiles upserts the valid rows of a customer file in one
// transaction, with their traits set at asOf (latest wins per trait, so a
// repeat changes nothing), and gives the trait rules' points to those who
// now match them (ScoreImported). With text, each value is text from a CSV
// file, converted to the type of its user property in the workspace's
// taxonomy ("42" to 42), and an empty one leaves the trait as it is. Each
// invalid row (no id, a trait that breaks its user property) is rejected
// with its line and reason.
func (p *Pipeline) ImportProfiles(ctx context.Context, workspaceID string, rows []ImportRow, text bool, asOf time.Time) (ImportResult, error) {
	t, err := p.Taxonomies.Get(ctx, workspaceID)
	if err != nil {
		return ImportResult{}, err
	}
	types := UserPropertyTypes(t)
	res := ImportResult{Received: len(rows), Rejected: []ImportReject{}}
	var updates []store.ProfileUpdate
	for _, r := range rows {
		change, rejects := importChange(r, text, types, t)
		if len(rejects) > 0 {
			res.Rejected = append(res.Rejected, rejects...)
			continue
		}
		updates = append(updates, store.ProfileUpdate{ID: r.ID, Change: change, At: asOf})
	}
	changed, err := p.Store.ImportProfiles(ctx, workspaceID, updates)
	if err != nil {
		return ImportResult{}, err
	}
	if err := p.ScoreImported(ctx, workspaceID, updates, asOf); err != nil {
		return ImportResult{}, err
	}
	res.Imported, res.Changed = len(updates), changed
	res.Unchanged = len(updates) - changed
	return res, nil
}

// importChange is what a row does to its profile, or why it cannot.
func importChange(r ImportRow, text bool, types map[string]taxonomy.Type, t *taxonomy.Taxonomy) (store.ProfileChange, []ImportReject) {
	reject := func(field, msg string) []ImportReject {
		return []ImportReject{{Line: r.Line, Field: field, Message: msg}}
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
	var out []ImportReject
	for _, v := range t.CheckTraits(change.Set).Violations {
		out = append(out, ImportReject{Line: r.Line, Field: v.Field, Message: v.Message})
	}
	return change, out
}

// UserPropertyTypes maps each user property of the taxonomy to its type.
func UserPropertyTypes(t *taxonomy.Taxonomy) map[string]taxonomy.Type {
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
