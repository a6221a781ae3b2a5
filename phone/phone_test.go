package phone

import (
	"errors"
	"slices"
	"testing"
)

func TestE164(t *testing.T) {
	for _, tc := range []struct{ raw, region, want string }{
		{"090-1234-5678", "JP", "+819012345678"},
		{"090-1234-5678", "", "+819012345678"},
		{"09012345678", "JP", "+819012345678"},
		{"+81 90 1234 5678", "US", "+819012345678"},
		{"+81-90-1234-5678", "JP", "+819012345678"},
		{"０９０－１２３４－５６７８", "JP", "+819012345678"}, // full-width, as Japanese forms often hold
		{"(415) 555-2671", "US", "+14155552671"},
		{" 03-1234-5678 ", "JP", "+81312345678"},
	} {
		got, err := E164(tc.raw, tc.region)
		if err != nil || got != tc.want {
			t.Errorf("E164(%q, %q) = %q, %v; want %q", tc.raw, tc.region, got, err, tc.want)
		}
	}
}

func TestE164RefusesWhatIsNotANumber(t *testing.T) {
	for _, raw := range []string{"", "   ", "hello", "090-1234", "+81 00 0000 0000", "12345678901234567890"} {
		if got, err := E164(raw, "JP"); !errors.Is(err, ErrInvalid) {
			t.Errorf("E164(%q) = %q, %v; want ErrInvalid", raw, got, err)
		}
	}
}

func TestValidRegion(t *testing.T) {
	if !ValidRegion("JP") || !ValidRegion("US") || ValidRegion("jp") || ValidRegion("XX") || ValidRegion("") {
		t.Error("ValidRegion: want JP and US known, jp, XX and empty not")
	}
}

func TestDigits(t *testing.T) {
	if got := Digits("+819012345678"); !slices.Equal(got, []string{"819012345678", "09012345678"}) {
		t.Errorf("Digits(+819012345678) = %v", got)
	}
	if got := Digits("not a number"); got != nil {
		t.Errorf("Digits(not a number) = %v, want nil", got)
	}
}
