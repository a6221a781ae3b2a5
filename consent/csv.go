package consent

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/jsonfields"
)

// Columns are the CSV columns of consent records, as the export writes
// them and the import reads them (recorded_at, the export's own, it ignores).
var Columns = []string{"customer_id", "channel", "topic", "status", "source", "at",
	"form", "page", "wording", "ip", "user_agent", "message_id", "recorded_at"}

// requiredColumns are those an import's header must name.
var requiredColumns = []string{"customer_id", "channel", "status", "source"}

// MaxCustomerID is the longest customer id a record may name.
const MaxCustomerID = 256

// Row is one customer's record of a CSV import, or why its line was refused.
type Row struct {
	Line       int // 1 is the header
	CustomerID string
	Record     Record
	Err        jsonfields.Errors // fields named by column
}

// ReadCSV reads an import: a header naming columns of Columns (in any
// order; customer_id, channel, status and source required), then one
// record a line. A header fault is an error; a line's fault is its Row's
// Err, so the good lines are still imported.
func ReadCSV(r io.Reader, now time.Time) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read the header: %w", err)
	}
	at := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(Columns, h) {
			return nil, fmt.Errorf("header: column %q is not one of %s", h, strings.Join(Columns, ", "))
		}
		// recorded_at is when the export's Tabiji stored the record: read
		// back, the record is stored now, so the column is ignored and an
		// export imports as it is (into another workspace, after a move).
		at[h] = i
	}
	for _, c := range requiredColumns {
		if _, ok := at[c]; !ok {
			return nil, fmt.Errorf("header: column %s is required (columns: %s)", c, strings.Join(requiredColumns, ", "))
		}
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil && !errors.Is(err, csv.ErrFieldCount) {
			return rows, fmt.Errorf("line %d: %w", line, err)
		}
		rows = append(rows, readRow(line, rec, at, now))
	}
}

// readRow reads one line by the header's columns.
func readRow(line int, rec []string, at map[string]int, now time.Time) Row {
	get := func(col string) string {
		if i, ok := at[col]; ok && i < len(rec) {
			return csvcell.Restore(strings.TrimSpace(rec[i]))
		}
		return ""
	}
	row := Row{Line: line, CustomerID: get("customer_id"), Record: Record{Channel: get("channel"), Topic: get("topic"),
		Status: get("status"), Source: get("source"), Evidence: Evidence{Form: get("form"), Page: get("page"),
			Wording: get("wording"), IP: get("ip"), UserAgent: get("user_agent"), MessageID: get("message_id")}}}
	if s := get("at"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			row.Err.Add("at", "must be a time as 2026-12-07T09:00:00+09:00 (RFC 3339)")
		}
		row.Record.At = t
	}
	if row.CustomerID == "" || len(row.CustomerID) > MaxCustomerID {
		row.Err.Add("customer_id", "is required: at most 256 bytes")
	}
	if err := row.Record.Prepare(now); err != nil {
		var invalid jsonfields.Errors // Prepare's only error
		errors.As(err, &invalid)
		for _, fe := range invalid {
			row.Err.Add(csvColumn(fe.Field), fe.Message)
		}
	}
	return row
}

// csvColumn is the column of a record's field ("evidence.userAgent" is
// "user_agent").
func csvColumn(field string) string {
	switch field {
	case "evidence.userAgent":
		return "user_agent"
	case "evidence.messageId":
		return "message_id"
	}
	return strings.TrimPrefix(field, "evidence.")
}

// CSVLine is one exported record in the order of Columns.
func CSVLine(customerID string, r Record, recordedAt time.Time) []string {
	e := r.Evidence
	return []string{customerID, r.Channel, r.Topic, r.Status, r.Source, r.At.UTC().Format(time.RFC3339Nano),
		e.Form, e.Page, e.Wording, e.IP, e.UserAgent, e.MessageID, recordedAt.UTC().Format(time.RFC3339Nano)}
}

// NewCSVWriter writes records as the import reads them, each cell safe to
// open in a spreadsheet (csvcell); it has written the header.
func NewCSVWriter(w io.Writer) (*csvcell.Writer, error) {
	cw := csvcell.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return nil, fmt.Errorf("write the header: %w", err)
	}
	return cw, nil
}
