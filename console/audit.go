package console

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
)

// AuditPage is /ui/audit, the owner's: the audit log's records that the
// filters select, a page at a time, with the links to the next page and to
// the same records as CSV.
type AuditPage struct {
	Frame
	Filter   AuditFilter
	Outcomes []string          // the outcomes the filter offers
	Errors   map[string]string // field → message, already in the page's language
	Error    string            // a message for the whole form
	Records  []AuditRow
	// NextURL is the next page ("" on the last), FirstURL the first page
	// of the same filters (set on a later page), CSVURL the export.
	NextURL, FirstURL, CSVURL string
}

// AuditFilter is the filter form as typed: Since and Until are local
// times in the workspace's zone ("2026-12-07T09:00", as datetime-local
// inputs send them).
type AuditFilter struct {
	Actor, Resource, ResourceID, Action, Outcome, Since, Until string
}

// AuditRow is one record as the page lists it: When already written in
// the page's zone and language, and the change as lines of what differs.
type AuditRow struct {
	ID, When                        string
	ActorKind, ActorID, ActorName   string
	Resource, ResourceID, Action    string
	Outcome                         string
	Status                          int
	Method, Route                   string
	ClientIP, UserAgent             string
	Changes                         []Change
	Requester, Approver, ApprovalID string // an approval's names and request, when the record has them
	// ResourceName is the name of what the change made, and Template the
	// library template it was launched from, when the record has them.
	ResourceName, Template string
}

// Change is one field that differs between a record's before and after:
// Kind is added, removed or changed; a value is written as compact JSON.
type Change struct {
	Path, Kind, Before, After string
}

// Audit renders the audit log page.
func Audit(w io.Writer, p AuditPage) error { return render(w, "audit.html", p) }

// Changes lists what differs between two JSON documents, field by field
// (nested objects by dotted path, arrays by index), in path order. A
// document that is not JSON is compared whole.
func Changes(before, after json.RawMessage) []Change {
	b, a := map[string]string{}, map[string]string{}
	flatten(decode(before), "", b)
	flatten(decode(after), "", a)
	var out []Change
	for path, old := range b {
		switch now, ok := a[path]; {
		case !ok:
			out = append(out, Change{Path: path, Kind: "removed", Before: old})
		case now != old:
			out = append(out, Change{Path: path, Kind: "changed", Before: old, After: now})
		}
	}
	for path, now := range a {
		if _, ok := b[path]; !ok {
			out = append(out, Change{Path: path, Kind: "added", After: now})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// decode reads a document; nil for none or JSON null, the raw text for
// one that does not parse.
func decode(doc json.RawMessage) any {
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return string(doc)
	}
	return v
}

// flatten writes each leaf of v under its path into out; an empty object
// or array is a leaf of its own.
func flatten(v any, path string, out map[string]string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case nil:
		if path != "" {
			out[path] = "null"
		}
	case map[string]any:
		if len(x) == 0 && path != "" {
			out[path] = "{}"
		}
		for k, e := range x {
			flatten(e, join(k), out)
		}
	case []any:
		if len(x) == 0 && path != "" {
			out[path] = "[]"
		}
		for i, e := range x {
			flatten(e, join(strconv.Itoa(i)), out)
		}
	default:
		text, _ := json.Marshal(x)
		if path == "" {
			path = "."
		}
		out[path] = string(text)
	}
}
