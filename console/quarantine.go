package console

import (
	"io"
	"net/url"
	"time"
)

// Reason is one rule a quarantined call broke: the field (a path such as
// properties.total), the rule's code (taxonomy's: type, required, …) and
// the API's own words.
type Reason struct {
	Field, Rule, Message string
}

// QuarantineRow is one quarantined call as the list and its page show it.
type QuarantineRow struct {
	MessageID, Type, Event, UserID, AnonymousID string
	// Status is "quarantined" as received, "fixed" once edited.
	Status     string
	Reasons    []Reason
	ReceivedAt time.Time
}

// Href is the call's own page.
func (r QuarantineRow) Href() string { return "/ui/data/quarantine/" + url.PathEscape(r.MessageID) }

// QuarantinePage is /ui/data/quarantine: the workspace's quarantined
// calls, newest first, a page at a time.
type QuarantinePage struct {
	Frame
	Rows []QuarantineRow
	// NextURL is the next page's address ("" on the last).
	NextURL string
}

// Quarantine renders the quarantine list.
func Quarantine(w io.Writer, p QuarantinePage) error { return render(w, "quarantine.html", p) }

// QuarantinedPage is /ui/data/quarantine/{id}: one quarantined call, its
// reasons and its payload to fix (PUT /v1/quarantine/{id}), replay (POST
// …/replay) or drop (DELETE), the page's script calling the API.
type QuarantinedPage struct {
	Frame
	Row QuarantineRow
	// Payload is the call as the API's GET shows its event object,
	// indented; it can hold personal data, so the page holds it only when
	// ShowPayload (the reader's role may see customers' profiles).
	Payload     string
	ShowPayload bool
}

// Quarantined renders one quarantined call.
func Quarantined(w io.Writer, p QuarantinedPage) error { return render(w, "quarantined.html", p) }

// RuleText is a rule's code in the reader's words when the catalog knows
// it (js.quarantine.rule.<code>, which the page's script shares), else the
// code itself.
func (f Frame) RuleText(code string) string {
	key := "js.quarantine.rule." + code
	if _, ok := catalogs[Lang(f.Lang, "")][key]; ok {
		return T(f.Lang, key)
	}
	return code
}
