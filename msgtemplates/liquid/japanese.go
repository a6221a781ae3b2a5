package liquid

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tabiji/tabiji/locale"
)

// The filters for messages in Japanese (and the first-name greeting of
// English ones). Every value they are given comes from a customer or an
// event, so each is total: nil, a value of another type, a number too large
// to write or a date out of range writes "" (or the fallback), never an
// error that would stop the send.
//
//	{{ customer | honorific }}            山田 花子 様 (お客様 without a name)
//	{{ customer | first_name: "there" }}  Hanako (there without one)
//	{{ total | yen }}                     ¥4,800
//	{{ total | yen: "円" }}               4,800円
//	{{ event.timestamp | date_ja }}       2026年12月7日(月) (Japan's date)
func addJapaneseFilters(b boundedFilters) {
	b.AddFilter("honorific", honorific)
	b.AddFilter("first_name", firstNameFilter)
	b.AddFilter("yen", yen)
	b.AddFilter("date_ja", dateJa)
}

// maxNameRunes bounds each part of a name a filter writes.
const maxNameRunes = 40

// Trait names, in the order looked at: Segment's spec first.
var (
	familyTraits = []string{"lastName", "last_name", "family_name", "familyName"}
	givenTraits  = []string{"firstName", "first_name", "given_name", "givenName"}
)

// traitsOf finds the traits in a filter's input: a customer or profile
// binding ({"traits": {...}}) or the traits themselves.
func traitsOf(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if t, ok := m["traits"].(map[string]any); ok {
		return t
	}
	return m
}

// namePart is the first of the traits that holds a usable string: trimmed,
// control characters out, at most maxNameRunes.
func namePart(traits map[string]any, names ...string) string {
	for _, n := range names {
		s, _ := traits[n].(string)
		if s = cleanName(s); s != "" {
			return s
		}
	}
	return ""
}

func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxNameRunes {
		s = string(r[:maxNameRunes])
	}
	return s
}

// honorific writes the customer's name the Japanese way, family name
// first, with 様: "山田 花子 様"; "name" alone when the parts are missing;
// the fallback (お客様 unless given) when the profile has no name. A string
// input is taken as the name.
func honorific(v any, fallback func(string) string) string {
	name := ""
	if s, ok := v.(string); ok {
		name = cleanName(s)
	} else if traits := traitsOf(v); traits != nil {
		family, given := namePart(traits, familyTraits...), namePart(traits, givenTraits...)
		name = strings.TrimSpace(family + " " + given)
		if name == "" {
			name = namePart(traits, "name")
		}
	}
	if name == "" {
		return fallback("お客様")
	}
	return name + " 様"
}

// firstNameFilter writes the customer's given name (firstName, else the
// first word of a name with spaces), or the fallback ("" unless given):
// a greeting never falls back on the customer's id.
func firstNameFilter(v any, fallback func(string) string) string {
	if s, ok := v.(string); ok {
		v = map[string]any{"name": s}
	}
	traits := traitsOf(v)
	if given := namePart(traits, givenTraits...); given != "" {
		return given
	}
	if name := namePart(traits, "name"); strings.Contains(name, " ") {
		first, _, _ := strings.Cut(name, " ")
		return first
	}
	return fallback("")
}

// yen writes an amount of yen, "¥4,800", or "4,800円" when the argument is
// "円" (or "suffix"). A number, or a string holding one ("4800", "4,800");
// anything else, or beyond ±10^15, writes "".
func yen(v any, form func(string) string) string {
	n, ok := amount(v)
	if !ok {
		return ""
	}
	f := form("")
	return locale.Yen(n, f == "円" || f == "suffix")
}

// amount reads a number from a filter's input.
func amount(v any) (float64, bool) {
	var n float64
	switch x := v.(type) {
	case int:
		n = float64(x)
	case int64:
		n = float64(x)
	case float64:
		n = x
	case string:
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(x), ",", ""), 64)
		if err != nil {
			return 0, false
		}
		n = f
	default:
		return 0, false
	}
	if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) >= locale.MaxFormatted {
		return 0, false
	}
	return n, true
}

// japan is the zone of date_ja when it is given none.
var japan = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}()

// dateLayouts are the strings date_ja reads; a date alone is that date in
// every zone, a time without an offset is in the zone asked for.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// dateJa writes a day the Japanese way, "2026年12月7日(月)": a time (an
// event's timestamp), an RFC 3339 or "2026-12-07" string, or Unix seconds,
// in the zone given (an IANA name; Japan's unless given or unknown).
// Anything else, or a year outside 1–9999, writes "".
func dateJa(v any, zone func(string) string) string {
	loc := japan
	if z := zone(""); z != "" && locale.ValidTimezone(z) {
		loc, _ = time.LoadLocation(z)
	}
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x.In(loc)
	case string:
		s := strings.TrimSpace(x)
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			t = d
			break
		}
		for _, layout := range dateLayouts {
			if p, err := time.ParseInLocation(layout, s, loc); err == nil {
				t = p.In(loc)
				break
			}
		}
	default:
		if n, ok := amount(v); ok && math.Abs(n) < 253402300800 { // 9999-12-31
			t = time.Unix(int64(n), 0).In(loc)
		}
	}
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return ""
	}
	return locale.Date(locale.Japanese, t)
}
