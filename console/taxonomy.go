package console

import (
	"encoding/json"
	"io"

	"github.com/tabiji/tabiji/taxonomy"
)

// TaxonomyPage is /ui/data/taxonomy: the workspace's design sheet as an
// editable table; the page's script sends it to PUT /v1/taxonomy, first
// with dry_run=true to show the diff, then to apply it.
type TaxonomyPage struct {
	Frame
	Sheet *taxonomy.Taxonomy
}

// SheetJSON is the sheet for the page's script.
func (p TaxonomyPage) SheetJSON() (json.RawMessage, error) {
	if p.Sheet == nil {
		return json.RawMessage(`{"events": [], "userProperties": []}`), nil
	}
	return json.Marshal(p.Sheet)
}

// ChoicesJSON lists the values the table's menus offer, as the API spells them.
func (TaxonomyPage) ChoicesJSON() (json.RawMessage, error) {
	return json.Marshal(map[string]any{
		"types": taxonomy.Types, "formats": taxonomy.Formats,
		"statuses": taxonomy.Statuses, "policies": taxonomy.Policies,
	})
}

// Taxonomy renders the taxonomy page.
func Taxonomy(w io.Writer, p TaxonomyPage) error { return render(w, "taxonomy.html", p) }
