// Package consent holds what a recorded consent is and what makes one
// valid: the channel, topic and status, the source, the time the customer
// chose, and the evidence kept as proof (the form or page, the wording
// shown, the IP). The API, the identify/track convention (convention.go)
// and the CSV import (csv.go) all check records here; it does no I/O.
package consent

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tabiji/tabiji/jsonfields"
)

// Statuses of a consent record.
const (
	OptedIn  = "opted_in"
	OptedOut = "opted_out"
)

// Channels consent is recorded for. Email and SMS are specified
// electronic mail under Japan's 特定電子メール法 (see advertising/).
var Channels = []string{"email", "sms", "line", "push"}

// Limits on what a record may hold.
const (
	maxShort   = 200    // channel, topic, source
	maxURL     = 2048   // form, page
	maxWording = 10_000 // the text shown to the customer
	maxAgent   = 1000
	// futureSkew is how far in the future a record's time may lie (clocks
	// of the calling services differ a little).
	futureSkew = 5 * time.Minute
)

// Evidence is the proof kept with a consent record. An opt-in names where
// it was given (Form or Page) and what the customer was shown (Wording).
type Evidence struct {
	Form      string `json:"form,omitempty"`      // the form's name or id: "newsletter_footer"
	Page      string `json:"page,omitempty"`      // the page's URL
	Wording   string `json:"wording,omitempty"`   // the consent text as shown
	IP        string `json:"ip,omitempty"`        // the customer's address when they chose
	UserAgent string `json:"userAgent,omitempty"` // the customer's browser
	MessageID string `json:"messageId,omitempty"` // the confirmation message a double opt-in clicked
}

// Record is one change of a customer's consent on a channel (and topic;
// "" is the whole channel).
type Record struct {
	Channel  string    `json:"channel"`
	Topic    string    `json:"topic,omitempty"`
	Status   string    `json:"status"`
	Source   string    `json:"source"`
	At       time.Time `json:"at,omitzero"` // when the customer chose; now when zero
	Evidence Evidence  `json:"evidence"`
}

// Normalize trims the record's strings and fills At with now when zero.
func (r *Record) Normalize(now time.Time) {
	for _, s := range []*string{&r.Channel, &r.Topic, &r.Status, &r.Source, &r.Evidence.Form, &r.Evidence.Page,
		&r.Evidence.Wording, &r.Evidence.IP, &r.Evidence.UserAgent, &r.Evidence.MessageID} {
		*s = strings.TrimSpace(*s)
	}
	r.Channel = strings.ToLower(r.Channel)
	if r.At.IsZero() {
		r.At = now
	}
}

// Prepare normalizes and validates the record at now, then brings a time
// a little in the future (within the clock skew Validate allows) back to
// now: a refusal recorded a moment later must become current.
func (r *Record) Prepare(now time.Time) error {
	r.Normalize(now)
	if err := r.Validate(now); err != nil {
		return err
	}
	if r.At.After(now) {
		r.At = now
	}
	return nil
}

// Validate checks a normalized record at now; its error is
// jsonfields.Errors, each field named from the record ("evidence.ip").
func (r Record) Validate(now time.Time) error {
	var errs jsonfields.Errors
	if !slices.Contains(Channels, r.Channel) {
		errs.Add("channel", "must be one of "+strings.Join(Channels, ", "))
	}
	if r.Status != OptedIn && r.Status != OptedOut {
		errs.Add("status", "must be "+OptedIn+" or "+OptedOut)
	}
	text(&errs, "topic", r.Topic, maxShort, false)
	text(&errs, "source", r.Source, maxShort, true)
	switch {
	case r.At.After(now.Add(futureSkew)):
		errs.Add("at", "must not be in the future")
	case r.At.Year() < 2000:
		errs.Add("at", "must be a time after 2000-01-01")
	}
	r.Evidence.validate(&errs, r.Status == OptedIn)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (e Evidence) validate(errs *jsonfields.Errors, optIn bool) {
	text(errs, "evidence.form", e.Form, maxURL, false)
	text(errs, "evidence.page", e.Page, maxURL, false)
	text(errs, "evidence.userAgent", e.UserAgent, maxAgent, false)
	text(errs, "evidence.messageId", e.MessageID, maxURL, false)
	if utf8.RuneCountInString(e.Wording) > maxWording || !utf8.ValidString(e.Wording) || strings.ContainsRune(e.Wording, 0) {
		errs.Add("evidence.wording", "must be valid text of at most 10000 characters")
	}
	if e.IP != "" {
		if _, err := netip.ParseAddr(e.IP); err != nil {
			errs.Add("evidence.ip", "must be an IPv4 or IPv6 address")
		}
	}
	if !optIn {
		return
	}
	if e.Form == "" && e.Page == "" {
		errs.Add("evidence.form", "is required for an opt-in (or evidence.page): where the customer agreed")
	}
	if e.Wording == "" {
		errs.Add("evidence.wording", "is required for an opt-in: the consent text the customer was shown")
	}
}

// text checks one short field: printable, at most limit characters, and
// present when required.
func text(errs *jsonfields.Errors, field, s string, limit int, required bool) {
	switch {
	case required && s == "":
		errs.Add(field, "is required")
	case utf8.RuneCountInString(s) > limit || !utf8.ValidString(s):
		errs.Add(field, "must be valid text of at most "+strconv.Itoa(limit)+" characters")
	case strings.ContainsFunc(s, unicode.IsControl):
		errs.Add(field, "must not contain control characters")
	}
}

// EvidenceJSON is the evidence as stored: a JSON object of the fields set.
func (e Evidence) EvidenceJSON() json.RawMessage {
	raw, _ := json.Marshal(e) // strings only: cannot fail
	return raw
}

// ParseEvidence reads stored evidence; fields it does not know are dropped.
func ParseEvidence(raw json.RawMessage) Evidence {
	var e Evidence
	_ = json.Unmarshal(raw, &e) // stored by EvidenceJSON: an object of strings
	return e
}
