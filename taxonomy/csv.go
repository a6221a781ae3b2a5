package taxonomy

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/jsonfields"
)

// CSVColumns are the columns of the CSV form of a sheet, one row per
// property. Column "record" says what a row holds:
//
//   - "setting": a workspace policy; "property" is unknownEvents or
//     invalidTraits and "value" is the policy, or a part of the naming
//     convention (naming.events, naming.properties, naming.objectAction,
//     naming.onViolation) and "value" its value.
//   - "event": one property of an event (or, with "property" empty, an event
//     without properties); the event's columns (event_description, owner,
//     status, on_invalid, strict) repeat on each of its rows and must agree.
//   - "user_property": one user property.
//
// Booleans are true or false (empty is false); enum values are separated
// by "|". Columns may come in any order; a missing column is empty.
var CSVColumns = []string{
	"record", "event", "event_description", "owner", "status", "on_invalid", "strict",
	"property", "type", "required", "enum", "format", "pii", "description", "value",
}

// ExportCSV writes the sheet, normalized, as CSV with CSVColumns.
func (t *Taxonomy) ExportCSV() ([]byte, error) {
	n := t.Clone()
	n.Normalize()
	var b bytes.Buffer
	w := csvcell.NewWriter(&b) // descriptions are workspace text: no formulas
	rows := [][]string{CSVColumns,
		row(map[string]string{"record": "setting", "property": "unknownEvents", "value": string(n.UnknownEvents)}),
		row(map[string]string{"record": "setting", "property": "invalidTraits", "value": string(n.InvalidTraits)}),
	}
	if !n.Naming.IsZero() {
		for _, kv := range [][2]string{{"naming.events", string(n.Naming.Events)}, {"naming.properties", string(n.Naming.Properties)},
			{"naming.objectAction", boolText(n.Naming.ObjectAction)}, {"naming.onViolation", string(n.Naming.OnViolation)}} {
			rows = append(rows, row(map[string]string{"record": "setting", "property": kv[0], "value": kv[1]}))
		}
	}
	for _, e := range n.Events {
		ev := map[string]string{
			"record": "event", "event": e.Name, "event_description": e.Description, "owner": e.Owner,
			"status": string(e.Status), "on_invalid": string(e.OnInvalid), "strict": boolText(e.Strict),
		}
		if len(e.Properties) == 0 {
			rows = append(rows, row(ev))
		}
		for _, p := range e.Properties {
			rows = append(rows, row(propColumns(ev, p)))
		}
	}
	for _, p := range n.UserProperties {
		rows = append(rows, row(propColumns(map[string]string{"record": "user_property"}, p)))
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("taxonomy: write csv: %w", err)
	}
	return b.Bytes(), nil
}

func propColumns(base map[string]string, p PropertyDef) map[string]string {
	m := map[string]string{
		"property": p.Name, "type": string(p.Type), "required": boolText(p.Required), "enum": strings.Join(p.Enum, "|"),
		"format": string(p.Format), "pii": boolText(p.PII), "description": p.Description,
	}
	for k, v := range base {
		m[k] = v
	}
	return m
}

func row(m map[string]string) []string {
	r := make([]string, len(CSVColumns))
	for i, c := range CSVColumns {
		r[i] = m[c]
	}
	return r
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// ParseCSV reads the CSV form of a sheet (see CSVColumns) and validates
// it. Errors in a row name the line; errors of the sheet it makes name the
// sheet's path, with the line in the message.
func ParseCSV(data []byte) (*Taxonomy, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, DecodeError{{Field: "sheet", Message: "is empty: the first line names the columns"}}
	}
	if err != nil {
		return nil, DecodeError{{Field: "sheet", Message: "is not valid CSV: " + err.Error()}}
	}
	cols, err := columnIndex(header)
	if err != nil {
		return nil, err
	}
	b := csvBuilder{events: map[string]int{}, lines: map[string]int{}}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, DecodeError{{Field: "sheet", Message: "is not valid CSV: " + err.Error()}}
		}
		get := func(c string) string {
			if i, ok := cols[c]; ok && i < len(rec) {
				return strings.TrimSpace(csvcell.Restore(rec[i]))
			}
			return ""
		}
		b.add(line, get)
	}
	if len(b.errs) > 0 {
		return nil, DecodeError(b.errs)
	}
	if err := b.t.Validate(); err != nil {
		var verr ValidationError
		if errors.As(err, &verr) {
			b.withLines(verr)
		}
		return nil, err
	}
	b.t.Normalize()
	return &b.t, nil
}

func columnIndex(header []string) (map[string]int, error) {
	cols := map[string]int{}
	var errs ValidationError
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(CSVColumns, h) {
			errs = append(errs, jsonfields.Error{Field: "lines[1]." + h, Message: "is not a column: use " + strings.Join(CSVColumns, ",")})
		}
		cols[h] = i
	}
	if _, ok := cols["record"]; !ok {
		errs = append(errs, jsonfields.Error{Field: "lines[1]", Message: "needs the column record"})
	}
	if len(errs) > 0 {
		return nil, DecodeError(errs)
	}
	return cols, nil
}

type csvBuilder struct {
	t      Taxonomy
	events map[string]int    // event name → index in t.Events
	first  map[string]string // event name → its event columns, as first seen
	lines  map[string]int    // sheet path → CSV line
	errs   ValidationError
}

func (b *csvBuilder) fail(line int, col, format string, args ...any) {
	b.errs = append(b.errs, jsonfields.Error{Field: fmt.Sprintf("lines[%d].%s", line, col), Message: fmt.Sprintf(format, args...)})
}

func (b *csvBuilder) add(line int, get func(string) string) {
	switch get("record") {
	case "setting":
		switch get("property") {
		case "unknownEvents":
			b.t.UnknownEvents = Policy(get("value"))
		case "invalidTraits":
			b.t.InvalidTraits = Policy(get("value"))
		default:
			b.addNaming(line, get)
		}
	case "event":
		b.addEvent(line, get)
	case "user_property":
		p, ok := b.property(line, get)
		if ok {
			b.lines[fmt.Sprintf("userProperties[%d]", len(b.t.UserProperties))] = line
			b.t.UserProperties = append(b.t.UserProperties, p)
		}
	default:
		b.fail(line, "record", "must be setting, event or user_property, not %q", get("record"))
	}
}

func (b *csvBuilder) addEvent(line int, get func(string) string) {
	name := get("event")
	strict, err := parseBool(get("strict"))
	if err != nil {
		b.fail(line, "strict", "must be true or false")
	}
	key := strings.Join([]string{get("event_description"), get("owner"), get("status"), get("on_invalid"), strconv.FormatBool(strict)}, "\x00")
	i, seen := b.events[name]
	if !seen {
		i = len(b.t.Events)
		b.events[name] = i
		if b.first == nil {
			b.first = map[string]string{}
		}
		b.first[name] = key
		b.lines[fmt.Sprintf("events[%d]", i)] = line
		b.t.Events = append(b.t.Events, EventDef{
			Name: name, Description: get("event_description"), Owner: get("owner"),
			Status: Status(get("status")), OnInvalid: Policy(get("on_invalid")), Strict: strict,
		})
	} else if b.first[name] != key {
		b.fail(line, "event", "the event columns of %q differ from its first row (line %d)", name, b.lines[fmt.Sprintf("events[%d]", i)])
	}
	if get("property") == "" {
		return
	}
	if p, ok := b.property(line, get); ok {
		e := &b.t.Events[i]
		b.lines[fmt.Sprintf("events[%d].properties[%d]", i, len(e.Properties))] = line
		e.Properties = append(e.Properties, p)
	}
}

func (b *csvBuilder) property(line int, get func(string) string) (PropertyDef, bool) {
	p := PropertyDef{Name: get("property"), Type: Type(get("type")), Format: Format(get("format")), Description: get("description")}
	ok := true
	var err error
	if p.Required, err = parseBool(get("required")); err != nil {
		b.fail(line, "required", "must be true or false")
		ok = false
	}
	if p.PII, err = parseBool(get("pii")); err != nil {
		b.fail(line, "pii", "must be true or false")
		ok = false
	}
	if e := get("enum"); e != "" {
		for _, v := range strings.Split(e, "|") {
			p.Enum = append(p.Enum, strings.TrimSpace(v))
		}
	}
	return p, ok
}

func parseBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(strings.ToLower(s))
}

// withLines adds the CSV line of each error's definition to its message.
func (b *csvBuilder) withLines(errs ValidationError) {
	for i, e := range errs {
		best := ""
		for path := range b.lines {
			if strings.HasPrefix(e.Field, path+".") && len(path) > len(best) {
				best = path
			}
		}
		if best != "" {
			errs[i].Message = fmt.Sprintf("%s (line %d)", e.Message, b.lines[best])
		}
	}
}

// addNaming reads a setting row of the naming convention.
func (b *csvBuilder) addNaming(line int, get func(string) string) {
	n, v := &b.t.Naming, get("value")
	switch get("property") {
	case "naming.events":
		n.Events = Case(v)
	case "naming.properties":
		n.Properties = Case(v)
	case "naming.onViolation":
		n.OnViolation = Policy(v)
	case "naming.objectAction":
		if v != "" && v != "true" && v != "false" {
			b.fail(line, "value", "must be true or false, not %q", v)
		}
		n.ObjectAction = v == "true"
	default:
		b.fail(line, "property", "a setting is unknownEvents, invalidTraits or naming.events, naming.properties, naming.objectAction, naming.onViolation, not %q", get("property"))
	}
}
