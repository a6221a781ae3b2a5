package taxonomy_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"slices"
	"testing"

	"github.com/tabiji/tabiji/taxonomy"
)

// TestCSVExportWritesNoFormulas: descriptions are workspace text, so a
// cell a spreadsheet would run as a formula is written with an apostrophe
// ahead, and ParseCSV takes it off again.
func TestCSVExportWritesNoFormulas(t *testing.T) {
	tx := shop()
	tx.Events[0].Description = `=HYPERLINK("https://evil.example","click")`
	tx.Events[0].Owner = "@growth"
	tx.Events[0].Properties[0].Description = "'=kept as written"
	tx = normalized(tx)
	out, err := tx.ExportCSV()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && bytes.ContainsRune([]byte("=+@\t\r"), rune(cell[0])) {
				t.Errorf("a cell starts a formula: %q", cell)
			}
		}
	}
	if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Contains(r, `'=HYPERLINK("https://evil.example","click")`) }) {
		t.Errorf("the description is not neutralised:\n%s", out)
	}
	back, err := taxonomy.ParseCSV(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tx) {
		t.Errorf("export → import changed the sheet:\n%+v\n%+v", back, tx)
	}
}
