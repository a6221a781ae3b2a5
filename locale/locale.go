// Package locale holds a workspace's regional settings (time zone,
// language, currency): their checks, the defaults that follow from them,
// and the formatting of numbers, money and dates in each language. It does
// no I/O; the store keeps the settings, the API and the CLI change them.
package locale

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/tabiji/tabiji/jsonfields"
)

// Languages a workspace can speak: its templates, reports and default copy.
const (
	Japanese = "ja"
	English  = "en"
)

// Languages lists every supported language, in the order the docs give.
var Languages = []string{Japanese, English}

// Settings are a workspace's regional settings. The zero value of a field
// means "not given"; Defaults fills it.
type Settings struct {
	// Timezone is an IANA zone ("Asia/Tokyo"): journeys, date triggers,
	// quiet hours, broadcasts and the day cut of statistics use it for
	// customers whose profile names none.
	Timezone string `json:"timezone"`
	// Locale is "ja" or "en": the journey templates' copy and the
	// formatting of numbers and dates in reports.
	Locale string `json:"locale"`
	// Currency is an ISO 4217 code in capitals ("JPY"): revenue in reports.
	Currency string `json:"currency"`
}

// Defaults fills what s leaves empty: the language English, the zone and
// the currency the language's (Japan's for Japanese, else UTC and US
// dollars).
func (s Settings) Defaults() Settings {
	if s.Locale == "" {
		s.Locale = English
	}
	if s.Timezone == "" {
		s.Timezone = DefaultTimezone(s.Locale)
	}
	if s.Currency == "" {
		s.Currency = DefaultCurrency(s.Locale)
	}
	return s
}

// DefaultTimezone is the zone a workspace of the language gets when it
// names none.
func DefaultTimezone(lang string) string {
	if lang == Japanese {
		return "Asia/Tokyo"
	}
	return "UTC"
}

// DefaultCurrency is the currency a workspace of the language gets when it
// names none.
func DefaultCurrency(lang string) string {
	if lang == Japanese {
		return "JPY"
	}
	return "USD"
}

// Field messages, shared by the API's and the CLI's errors.
const (
	TimezoneRule = "must be an IANA time zone such as Asia/Tokyo"
	LocaleRule   = "must be ja or en"
	CurrencyRule = "must be an ISO 4217 currency code in capitals, such as JPY"
)

// Check lists the fields of s that are given and wrong; prefix goes before
// each field name ("" for a body whose fields are the settings).
func Check(s Settings, prefix string) error {
	var errs jsonfields.Errors
	if s.Timezone != "" && !ValidTimezone(s.Timezone) {
		errs.Add(prefix+"timezone", TimezoneRule)
	}
	if s.Locale != "" && !slices.Contains(Languages, s.Locale) {
		errs.Add(prefix+"locale", LocaleRule)
	}
	if s.Currency != "" && !ValidCurrency(s.Currency) {
		errs.Add(prefix+"currency", CurrencyRule)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ValidTimezone says whether tz is an IANA zone name Go knows; "" and
// "Local" (which mean the machine's zone to Go) are not.
func ValidTimezone(tz string) bool {
	if tz == "" || tz == "Local" || len(tz) > 64 {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency says whether code is an ISO 4217 code in capitals.
func ValidCurrency(code string) bool {
	if !currencyCode.MatchString(code) {
		return false
	}
	_, err := currency.ParseISO(code)
	return err == nil
}

// MachineTimezone is the IANA name of this machine's zone: $TZ when it
// names one, else the zone /etc/localtime links to, else
// /etc/timezone's, else "UTC".
func MachineTimezone() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); ValidTimezone(tz) {
		return tz
	}
	if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok && ValidTimezone(name) {
			return name
		}
	}
	if raw, err := os.ReadFile("/etc/timezone"); err == nil {
		if tz := strings.TrimSpace(string(raw)); ValidTimezone(tz) {
			return tz
		}
	}
	return "UTC"
}
