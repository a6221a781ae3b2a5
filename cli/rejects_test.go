package cli

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// TestRejectsFileWritesNoFormulas: a reason or field can quote the
// imported file, so a cell that a spreadsheet would run as a formula is
// written with an apostrophe ahead.
func TestRejectsFileWritesNoFormulas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.csv.rejects.csv")
	r, err := openRejects(path, &importCheckpoint{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.write([][3]string{{"2", "=cmd|' /C calc'!A0", "@SUM(1+1) is not a number"}}); err != nil {
		t.Fatal(err)
	}
	r.close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][0] != "2" || rows[1][1] != "'=cmd|' /C calc'!A0" || rows[1][2] != "'@SUM(1+1) is not a number" {
		t.Errorf("rejects = %q", rows)
	}
}
