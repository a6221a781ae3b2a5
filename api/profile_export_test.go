package api

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestProfileExportWritesNoFormulas: ids and traits are customers' text,
// so a CSV cell that a spreadsheet would run as a formula (= + - @, tab,
// CR) is written with an apostrophe ahead; numbers stay numbers.
func TestProfileExportWritesNoFormulas(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	body := `{"as_of":"2026-11-01T00:00:00Z","rows":[
		{"line":1,"id":"=cmd|' /C calc'!A0","traits":{"name":"@SUM(1+1)","phone":"+81 90 1234","delta":-3.5,"note":"\t=1+1"}},
		{"line":2,"id":"plain","traits":{"name":"-2+3+cmd|' /C calc'!A0","phone":"","delta":4,"note":"fine"}}]}`
	if status, out := b.do(t, "POST", "/v1/profiles/import", admin, body); status != 200 {
		t.Fatalf("import = %d %s", status, out)
	}
	status, out := b.do(t, "GET", "/v1/profiles/export?format=csv&fields=name,phone,delta,note", admin, "")
	if status != 200 {
		t.Fatalf("export = %d %s", status, out)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, out)
	}
	want := [][]string{
		{"id", "name", "phone", "delta", "note"},
		{"'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'+81 90 1234", "-3.5", "'\t=1+1"},
		{"plain", "'-2+3+cmd|' /C calc'!A0", "", "4", "fine"},
		{"u1", "", "", "", ""}, // the bundle's own customer
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %q, want %q", rows, want)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}
