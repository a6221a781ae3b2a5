// Package privacy holds a workspace's privacy settings as users write them
// (retention periods such as "25 months", purposes of use in Japanese and
// English), their checks, and the cut-off times retention enforces. No I/O.
package privacy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tabiji/tabiji/jsonfields"
)

// Limits of the settings.
const (
	MaxRetentionMonths = 1200 // a hundred years
	// MinProvisionMonths is the shortest that records of third-party
	// provision may be kept: APPI's rules ask one year for some records and
	// three for most (DefaultProvisionMonths).
	MinProvisionMonths     = 12
	DefaultProvisionMonths = 36
	MaxPurposesLength      = 10000 // characters, per language
)

// Forever is how a retention that keeps rows until the customer is erased is
// written; it is stored as 0 months.
const Forever = "forever"

var periodPattern = regexp.MustCompile(`^\s*(\d{1,4})\s*(months?|years?|ヶ月|か月|カ月|ヵ月|箇月|年)\s*$`)

// ParseRetention reads a retention period as whole months: "25 months",
// "3 years", "1 year", "25ヶ月", "3年"; "forever" (or "") is 0, kept until
// erased.
func ParseRetention(s string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" || t == Forever {
		return 0, nil
	}
	m := periodPattern.FindStringSubmatch(t)
	if m == nil {
		return 0, fmt.Errorf("is %q; write a number of months or years, as \"25 months\" or \"3 years\", or \"forever\"", s)
	}
	n, _ := strconv.Atoi(m[1]) // at most four digits
	if strings.HasPrefix(m[2], "year") || m[2] == "年" {
		n *= 12
	}
	if n < 1 || n > MaxRetentionMonths {
		return 0, fmt.Errorf("is %q; it must be from 1 month to %d years", s, MaxRetentionMonths/12)
	}
	return n, nil
}

// FormatRetention writes months as ParseRetention reads it: "3 years",
// "25 months", "forever" for 0.
func FormatRetention(months int) string {
	switch {
	case months <= 0:
		return Forever
	case months%12 == 0 && months/12 == 1:
		return "1 year"
	case months%12 == 0:
		return strconv.Itoa(months/12) + " years"
	case months == 1:
		return "1 month"
	}
	return strconv.Itoa(months) + " months"
}

// Cutoff is the time before which rows kept for months are past their
// retention at now (0 months: the zero time, nothing is).
func Cutoff(now time.Time, months int) time.Time {
	if months <= 0 {
		return time.Time{}
	}
	return now.AddDate(0, -months, 0)
}

// Settings are a workspace's privacy settings as the API and CLI take
// them. A nil period is left as it is.
type Settings struct {
	EventRetention     *string   `json:"eventRetention,omitempty"`
	MessageRetention   *string   `json:"messageRetention,omitempty"`
	ProvisionRetention *string   `json:"provisionRetention,omitempty"`
	Purposes           *Purposes `json:"purposes,omitempty"`
}

// Purposes are the purposes of use a workspace states (APPI art. 17, 21;
// GDPR art. 13), shown on the preference page in the reader's language.
type Purposes struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// Months are the settings' periods in months, as they are stored.
type Months struct {
	Event, Message, Provision int
}

// Apply checks s and applies it to current, naming each field at fault.
func (s Settings) Apply(current Months, purposes Purposes) (Months, Purposes, error) {
	var errs jsonfields.Errors
	period := func(field string, v *string, into *int, minimum int, forever bool) {
		if v == nil {
			return
		}
		n, err := ParseRetention(*v)
		switch {
		case err != nil:
			errs = append(errs, jsonfields.Error{Field: field, Message: err.Error()})
		case n == 0 && !forever:
			errs = append(errs, jsonfields.Error{Field: field, Message: "must be a period: the law asks these records be kept, then deleted"})
		case n != 0 && n < minimum:
			errs = append(errs, jsonfields.Error{Field: field, Message: fmt.Sprintf("must be at least %s (APPI)", FormatRetention(minimum))})
		default:
			*into = n
		}
	}
	period("eventRetention", s.EventRetention, &current.Event, 1, true)
	period("messageRetention", s.MessageRetention, &current.Message, 1, true)
	period("provisionRetention", s.ProvisionRetention, &current.Provision, MinProvisionMonths, false)
	if s.Purposes != nil {
		for _, f := range []struct{ field, text string }{{"purposes.ja", s.Purposes.JA}, {"purposes.en", s.Purposes.EN}} {
			field, text := f.field, f.text
			if utf8.RuneCountInString(text) > MaxPurposesLength || !utf8.ValidString(text) || strings.IndexFunc(text, controlChar) >= 0 {
				errs = append(errs, jsonfields.Error{Field: field,
					Message: fmt.Sprintf("must be text of at most %d characters, without control characters but line breaks and tabs", MaxPurposesLength)})
			}
		}
		purposes = *s.Purposes
	}
	if len(errs) > 0 {
		return current, purposes, fmt.Errorf("privacy settings: %w", errs)
	}
	return current, purposes, nil
}

// controlChar says whether r is a control character a text of purposes
// may not hold: every one but line breaks and tabs, which the page shows
// as paragraphs and spaces.
func controlChar(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}
