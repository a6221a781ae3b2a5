// Package csvcell keeps CSV files that Tabiji writes safe to open in a
// spreadsheet: a cell that starts with = + - @ (or a tab or carriage
// return) is read there as a formula, so a customer's trait or an import's
// reason could run one on the reader's machine (CSV injection, OWASP).
// Such a cell is written with a leading apostrophe, as OWASP recommends;
// Restore takes it off again for files Tabiji reads back.
package csvcell

import (
	"encoding/csv"
	"io"
	"strconv"
)

// formulaStart says whether a spreadsheet reads a cell starting with b as a formula.
func formulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// needsQuote says whether s must be written with an apostrophe ahead: it
// starts a formula, or it is an apostrophe ahead of one (so that Restore
// gives back exactly what was written). A plain number such as -12.5 is
// left alone: spreadsheets read it as the number, never as a formula.
func needsQuote(s string) bool {
	switch {
	case s == "":
		return false
	case s[0] == '\'':
		return needsQuote(s[1:])
	case !formulaStart(s[0]):
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err != nil
}

// Neutralise returns s as a spreadsheet shows it as text.
func Neutralise(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// Restore undoes Neutralise: Restore(Neutralise(s)) == s for every s.
func Restore(s string) string {
	if len(s) > 0 && s[0] == '\'' && needsQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// Writer is a csv.Writer that neutralises every cell it writes.
type Writer struct {
	*csv.Writer
	row []string
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{Writer: csv.NewWriter(w)} }

// Write writes one record, each cell neutralised.
func (w *Writer) Write(record []string) error {
	w.row = w.row[:0]
	for _, cell := range record {
		w.row = append(w.row, Neutralise(cell))
	}
	return w.Writer.Write(w.row)
}

// WriteAll writes the records, each cell neutralised, and flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
