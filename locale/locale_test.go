package locale_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/locale"
)

func TestCheckNamesEachBadField(t *testing.T) {
	for _, c := range []struct {
		set    locale.Settings
		fields []string
	}{
		{locale.Settings{Timezone: "Asia/Tokyo", Locale: "ja", Currency: "JPY"}, nil},
		{locale.Settings{}, nil}, // nothing given, nothing wrong
		{locale.Settings{Timezone: "America/Argentina/Buenos_Aires", Locale: "en", Currency: "EUR"}, nil},
		{locale.Settings{Timezone: "Local"}, []string{"timezone"}},
		{locale.Settings{Timezone: "Mars/Olympus"}, []string{"timezone"}},
		{locale.Settings{Timezone: "../../../etc/passwd"}, []string{"timezone"}},
		{locale.Settings{Timezone: "Asia/Tokyo\x00"}, []string{"timezone"}},
		{locale.Settings{Locale: "fr"}, []string{"locale"}},
		{locale.Settings{Locale: "JA"}, []string{"locale"}},
		{locale.Settings{Currency: "jpy"}, []string{"currency"}},
		{locale.Settings{Currency: "ZZZ"}, []string{"currency"}},
		{locale.Settings{Currency: "円"}, []string{"currency"}},
		{locale.Settings{Timezone: "x", Locale: "y", Currency: "z"}, []string{"timezone", "locale", "currency"}},
	} {
		err := locale.Check(c.set, "")
		var errs jsonfields.Errors
		errors.As(err, &errs)
		var got []string
		for _, e := range errs {
			got = append(got, e.Field)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("Check(%+v) = %v, want fields %v", c.set, err, c.fields)
		}
	}
	if err := locale.Check(locale.Settings{Locale: "fr"}, "--"); err == nil || err.Error() != "--locale: "+locale.LocaleRule {
		t.Errorf("with a prefix: %v", err)
	}
}

func TestDefaultsFollowTheLanguage(t *testing.T) {
	for in, want := range map[locale.Settings]locale.Settings{
		{}:                              {Timezone: "UTC", Locale: "en", Currency: "USD"},
		{Locale: "ja"}:                  {Timezone: "Asia/Tokyo", Locale: "ja", Currency: "JPY"},
		{Locale: "ja", Currency: "USD"}: {Timezone: "Asia/Tokyo", Locale: "ja", Currency: "USD"},
		{Timezone: "Europe/Paris"}:      {Timezone: "Europe/Paris", Locale: "en", Currency: "USD"},
	} {
		if got := in.Defaults(); got != want {
			t.Errorf("%+v.Defaults() = %+v, want %+v", in, got, want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{locale.Number("ja", 4800, 0), "4,800"},
		{locale.Number("en", 1234567.891, 2), "1,234,567.89"},
		{locale.Money("ja", "JPY", 4800), "¥4,800"},
		{locale.Money("ja", "JPY", 4800.6), "¥4,801"},
		{locale.Money("en", "USD", 48), "$48.00"},
		{locale.Money("en", "USD", -5.5), "-$5.50"},
		{locale.Money("en", "CHF", 12), "CHF 12.00"},
		{locale.Yen(4800, false), "¥4,800"},
		{locale.Yen(4800, true), "4,800円"},
		{locale.Yen(-120, true), "-120円"},
		{locale.Number("ja", 1e300, 0), "1e+300"},
		{locale.Number("ja", math.NaN(), 0), "NaN"},
		{locale.Number("ja", math.Inf(-1), 0), "-Inf"},
		{locale.Date("ja", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)), "2026年12月7日(月)"},
		{locale.Date("en", time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)), "Mon, Dec 7, 2026"},
		{locale.DateTime("ja", time.Date(2027, 1, 3, 21, 5, 0, 0, time.UTC)), "2027年1月3日(日) 21:05"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestMachineTimezoneIsAnIANAName(t *testing.T) {
	t.Setenv("TZ", "Asia/Tokyo")
	if got := locale.MachineTimezone(); got != "Asia/Tokyo" {
		t.Errorf("with TZ=Asia/Tokyo: %q", got)
	}
	t.Setenv("TZ", "Nowhere/Land")
	if got := locale.MachineTimezone(); !locale.ValidTimezone(got) {
		t.Errorf("with a bad TZ: %q is not a zone", got)
	}
}
