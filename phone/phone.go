// Package phone normalises customers' phone numbers to E.164 with
// github.com/nyaruka/phonenumbers (a maintained port of Google's
// libphonenumber): "090-1234-5678" in region JP becomes "+819012345678".
// It also gives the forms a stored number may have been written in, so an
// inbound SMS from "+819012345678" finds the profile that holds
// "090-1234-5678".
package phone

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region of numbers written without a country code
// when a workspace names none: Tabiji's first users are Japanese shops.
const DefaultRegion = "JP"

// ErrInvalid is wrapped by E164 for a number that is not a valid phone
// number of its region.
var ErrInvalid = errors.New("phone: not a valid phone number")

// ValidRegion says whether region is an ISO 3166-1 alpha-2 code the
// library knows numbering rules for ("JP", "US").
func ValidRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[region]
}

// E164 is raw in E.164 form. A number written with "+" or an international
// prefix keeps its country; one without is read as a number of region
// (DefaultRegion when empty). A number that does not parse, or that is not
// a valid number of its country, is an error wrapping ErrInvalid.
func E164(raw, region string) (string, error) {
	if region == "" {
		region = DefaultRegion
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("%w: it is empty", ErrInvalid)
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalid, raw, err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("%w: %q has no valid number of country code %d (numbers without one are read as %s's)",
			ErrInvalid, raw, n.GetCountryCode(), region)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// Digits are the digit strings a stored number with the E.164 number e164
// may reduce to once everything but digits is taken out: the international
// form ("819012345678", from "+81 90-1234-5678") and the national form with
// its trunk prefix ("09012345678", from "090-1234-5678"). Nil when e164
// does not parse.
func Digits(e164 string) []string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return nil
	}
	forms := []string{strings.TrimPrefix(phonenumbers.Format(n, phonenumbers.E164), "+")}
	national := onlyDigits(phonenumbers.Format(n, phonenumbers.NATIONAL))
	if national != "" && national != forms[0] {
		forms = append(forms, national)
	}
	return forms
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
