package privacy

import (
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/jsonfields"
)

func TestParseRetention(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"25 months": 25, "1 month": 1, "3 years": 36, "1 year": 12, " 18 Months ": 18,
		"25ヶ月": 25, "3年": 36, "forever": 0, "": 0, "1200 months": 1200} {
		got, err := ParseRetention(in)
		if err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %d, %v; want %d", in, got, err, want)
		}
		if want > 0 {
			if back, _ := ParseRetention(FormatRetention(got)); back != got {
				t.Errorf("FormatRetention(%d) = %q does not read back", got, FormatRetention(got))
			}
		}
	}
	for _, in := range []string{"0 months", "25", "25 weeks", "-3 years", "101 years", "1e3 months", "two years", "25 months; DROP"} {
		if got, err := ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) = %d, want an error", in, got)
		}
	}
}

func TestCutoff(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	if got := Cutoff(now, 25); !got.Equal(time.Date(2024, 11, 7, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("Cutoff(25 months) = %v", got)
	}
	if got := Cutoff(now, 0); !got.IsZero() {
		t.Errorf("Cutoff(forever) = %v, want the zero time", got)
	}
}

func TestApplyNamesEachField(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	m, p, err := Settings{EventRetention: str("25 months"), Purposes: &Purposes{JA: "配送のため", EN: "To deliver"}}.
		Apply(Months{Provision: DefaultProvisionMonths}, Purposes{})
	if err != nil || m != (Months{Event: 25, Provision: 36}) || p.JA != "配送のため" {
		t.Fatalf("Apply = %+v %+v %v", m, p, err)
	}
	_, _, err = Settings{EventRetention: str("soon"), MessageRetention: str("0 months"), ProvisionRetention: str("forever"),
		Purposes: &Purposes{EN: string(make([]byte, MaxPurposesLength+1))}}.Apply(Months{}, Purposes{})
	var fields jsonfields.Errors
	if !errors.As(err, &fields) {
		t.Fatalf("Apply of bad settings = %v, want field errors", err)
	}
	got := map[string]bool{}
	for _, f := range fields {
		got[f.Field] = true
	}
	for _, f := range []string{"eventRetention", "messageRetention", "provisionRetention", "purposes.en"} {
		if !got[f] {
			t.Errorf("no error on %s: %v", f, fields)
		}
	}
	if _, _, err := (Settings{Purposes: &Purposes{JA: "一行目\r\n\t二行目", EN: "a\x1b[31mb"}}).Apply(Months{}, Purposes{}); err == nil ||
		!errors.As(err, &fields) || len(fields) != 1 || fields[0].Field != "purposes.en" {
		t.Errorf("purposes with an escape sequence: %v, want one error on purposes.en (line breaks and tabs are fine)", err)
	}
	if _, _, err := (Settings{ProvisionRetention: str("6 months")}).Apply(Months{}, Purposes{}); err == nil {
		t.Error("provision records kept 6 months were accepted; APPI asks at least a year")
	}
}
