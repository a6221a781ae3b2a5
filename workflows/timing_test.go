package workflows

import (
	"testing"
	"time"
)

func TestNextTimeOfDayAcrossDST(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	// Saturday 7 March 2026, 10:00 in New York; clocks go forward on Sunday.
	now := time.Date(2026, 3, 7, 10, 0, 0, 0, ny)
	got := nextTimeOfDay(now, ny, "09:00", []string{"sun"})
	if want := time.Date(2026, 3, 8, 9, 0, 0, 0, ny); !got.Equal(want) || got.Sub(now) != 22*time.Hour {
		t.Errorf("next Sunday 09:00 = %v (in %v), want %v, 22h away (the night is an hour short)", got, got.Sub(now), want)
	}
	if got := nextTimeOfDay(now, ny, "10:00", nil); !got.Equal(now) {
		t.Errorf("the time of day now = %v, want now", got)
	}
}

func TestQuietUntil(t *testing.T) {
	utc := time.UTC
	at := func(h, m int) time.Time { return time.Date(2026, 1, 10, h, m, 0, 0, utc) }
	for _, tc := range []struct {
		now        time.Time
		start, end string
		inside     bool
		end2       time.Time
	}{
		{at(22, 0), "21:00", "08:00", true, time.Date(2026, 1, 11, 8, 0, 0, 0, utc)},
		{at(3, 0), "21:00", "08:00", true, at(8, 0)},
		{at(8, 0), "21:00", "08:00", false, time.Time{}},
		{at(12, 30), "12:00", "13:00", true, at(13, 0)},
		{at(20, 59), "21:00", "08:00", false, time.Time{}},
	} {
		end, inside := quietUntil(tc.now, utc, tc.start, tc.end)
		if inside != tc.inside || !end.Equal(tc.end2) {
			t.Errorf("%v in %s–%s: %v until %v, want %v until %v", tc.now, tc.start, tc.end, inside, end, tc.inside, tc.end2)
		}
	}
}
