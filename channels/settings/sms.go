package settings

import (
	"regexp"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/phone"
)

var (
	hex32        = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	e164         = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	alphanumeric = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
)

// sid checks a Twilio SID: prefix and 32 hex digits.
func sid(prefix, what string) func(string) string {
	return func(s string) string {
		if rest, ok := strings.CutPrefix(s, prefix); !ok || !hex32.MatchString(rest) {
			return "must be a Twilio " + what + ": " + prefix + " and 32 hex digits, as the Twilio console shows it"
		}
		return ""
	}
}

// authToken checks a Twilio auth token: 32 hex digits.
func authToken(s string) string {
	if !hex32.MatchString(s) {
		return "must be the account's auth token: 32 hex digits, as the Twilio console shows it"
	}
	return ""
}

// fromNumber checks a sender: an E.164 number or an alphanumeric sender ID
// (1–11 letters, digits and spaces, at least one letter).
func fromNumber(s string) string {
	if e164.MatchString(s) || (alphanumeric.MatchString(s) && strings.ContainsFunc(s, isLetter)) {
		return ""
	}
	return "must be a number in E.164 (+815012345678) or an alphanumeric sender ID (up to 11 letters, digits and spaces)"
}

func isLetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

func region(s string) string {
	if !phone.ValidRegion(s) {
		return "must be a region code such as JP or US (ISO 3166-1 alpha-2, upper case)"
	}
	return ""
}

// complete checks the settings a channel has once a change is laid over
// them (set says whether a field has a value, the environment's included):
// an SMS channel with any Twilio setting needs the account SID, the auth
// token and a sender (fromNumber or messagingServiceSid).
func complete(channel string, set func(string) bool) jsonfields.Errors {
	anySet := set(AccountSID) || set(AuthToken) || set(FromNumber) || set(MessagingServiceSID)
	if channel != "sms" || !anySet {
		return nil
	}
	var errs jsonfields.Errors
	for _, name := range []string{AccountSID, AuthToken} {
		if !set(name) {
			errs.Add(name, "is required: Twilio sends with the account SID and its auth token together")
		}
	}
	if !set(FromNumber) && !set(MessagingServiceSID) {
		errs.Add(FromNumber, "is required unless messagingServiceSid is set: Twilio needs a sender")
	}
	return errs
}
