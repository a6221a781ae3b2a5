package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// importRow is one customer read from the file, or why it could not be.
type importRow struct {
	Line   int            `json:"line"`
	ID     string         `json:"id"`
	Traits map[string]any `json:"traits"`
	reject string         // a row the file itself spoils (bad JSON, a short CSV line): never sent
}

// rowReader yields the rows of a customer file in order.
type rowReader interface {
	next() (importRow, error) // io.EOF after the last
}

// mapping is trait name → column (CSV) or key (JSONL); "id" is the
// customer's id. Empty: every column is a trait of its own name.
type mapping map[string]string

// parseMapping reads --map pairs (trait=Column).
func parseMapping(pairs []string, m mapping) error {
	for _, p := range pairs {
		trait, col, ok := strings.Cut(p, "=")
		trait, col = strings.TrimSpace(trait), strings.TrimSpace(col)
		if !ok || trait == "" || col == "" {
			return fmt.Errorf("--map %q: write it as trait=Column, as in email=E-mail or id=Customer ID", p)
		}
		m[trait] = col
	}
	return nil
}

// csvRows reads a CSV file with a header line.
type csvRows struct {
	r       *csv.Reader
	columns map[string]int // trait → index; "id" included
}

func newCSVRows(in io.Reader, m mapping) (*csvRows, error) {
	r := csv.NewReader(in)
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read the CSV header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a BOM from spreadsheet exports
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.TrimSpace(h)] = i
	}
	cols := map[string]int{}
	if len(m) == 0 {
		for i, h := range header {
			cols[strings.TrimSpace(h)] = i
		}
	}
	for trait, col := range m {
		i, ok := index[col]
		if !ok {
			return nil, fmt.Errorf("--map %s=%s: the file has no column %q (its columns: %s)", trait, col, col, strings.Join(header, ", "))
		}
		cols[trait] = i
	}
	if _, ok := cols["id"]; !ok {
		if i, ok := index["id"]; ok {
			cols["id"] = i
		} else {
			return nil, fmt.Errorf("no identity column: the header has no id column; name the column that holds the customer's id with --map id=<column> (columns: %s)", strings.Join(header, ", "))
		}
	}
	r.FieldsPerRecord = len(header)
	return &csvRows{r: r, columns: cols}, nil
}

func (c *csvRows) next() (importRow, error) {
	rec, err := c.r.Read()
	line, _ := c.r.FieldPos(0)
	var perr *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return importRow{}, io.EOF
	case errors.As(err, &perr):
		return importRow{Line: perr.StartLine, reject: perr.Err.Error()}, nil
	case err != nil:
		return importRow{}, err
	}
	row := importRow{Line: line, Traits: map[string]any{}}
	for trait, i := range c.columns {
		if trait == "id" {
			row.ID = rec[i]
		} else {
			row.Traits[trait] = rec[i]
		}
	}
	return row, nil
}

// jsonlRows reads one JSON object a line: {"id", "traits": {…}} (what
// tabiji profiles export writes), or a flat object whose keys other than
// id are traits; with a mapping, the keys it names.
type jsonlRows struct {
	s    *bufio.Scanner
	line int
	m    mapping
}

func newJSONLRows(in io.Reader, m mapping) *jsonlRows {
	s := bufio.NewScanner(in)
	s.Buffer(make([]byte, 64<<10), 4<<20)
	return &jsonlRows{s: s, m: m}
}

func (j *jsonlRows) next() (importRow, error) {
	for j.s.Scan() {
		j.line++
		text := strings.TrimSpace(j.s.Text())
		if text == "" {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(text), &obj); err != nil {
			return importRow{Line: j.line, reject: "not a JSON object: " + err.Error()}, nil //nolint:nilerr // a bad line is a rejected row, not a failed import
		}
		return j.row(obj), nil
	}
	if err := j.s.Err(); err != nil {
		return importRow{}, fmt.Errorf("read line %d: %w", j.line+1, err)
	}
	return importRow{}, io.EOF
}

func (j *jsonlRows) row(obj map[string]any) importRow {
	row := importRow{Line: j.line, Traits: map[string]any{}}
	idKey := cmpOr(j.m["id"], "id")
	if _, ok := obj[idKey]; !ok && j.m["id"] == "" {
		idKey = "userId"
	}
	switch id := obj[idKey].(type) {
	case string:
		row.ID = id
	case float64:
		row.ID = fmt.Sprint(id)
	case nil:
	default:
		row.reject = idKey + " must be a string"
		return row
	}
	switch {
	case len(j.m) > 0:
		for trait, key := range j.m {
			if v, ok := obj[key]; ok && trait != "id" {
				row.Traits[trait] = v
			}
		}
	case isObject(obj["traits"]):
		row.Traits = obj["traits"].(map[string]any)
	default:
		for k, v := range obj {
			if !slices.Contains([]string{"id", "userId"}, k) {
				row.Traits[k] = v
			}
		}
	}
	return row
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
