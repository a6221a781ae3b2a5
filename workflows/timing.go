package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tabiji/tabiji/journey"
)

// clock reads "HH:MM" (validated when the journey was saved).
func clock(s string) (h, m int) {
	_, _ = fmt.Sscanf(s, "%d:%d", &h, &m)
	return h, m
}

// nextTimeOfDay is the first moment at the time of day at, in loc, on an
// allowed weekday (any when weekdays is empty), that is not before now.
func nextTimeOfDay(now time.Time, loc *time.Location, at string, weekdays []string) time.Time {
	h, m := clock(at)
	local := now.In(loc)
	for day := 0; day < 8; day++ {
		t := time.Date(local.Year(), local.Month(), local.Day()+day, h, m, 0, 0, loc)
		if t.Before(now) {
			continue
		}
		if len(weekdays) == 0 || slices.Contains(weekdays, journey.Weekdays[t.Weekday()]) {
			return t
		}
	}
	return now // unreachable: validation keeps weekdays to real days
}

// dateTarget is the moment a wait_until node relative to a date trait waits
// for: the date (or, yearly, its next anniversary) in loc, moved by the
// offset, at the time of day. A missing or unreadable date is an error.
func dateTarget(now time.Time, loc *time.Location, value any, n journey.Node) (time.Time, error) {
	s, ok := value.(string)
	if !ok || s == "" {
		return time.Time{}, fmt.Errorf("no date in trait %s", n.Property)
	}
	date, err := parseDate(s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("trait %s: %w", n.Property, err)
	}
	h, m := clock(n.At)
	target := func(year int) time.Time {
		d := time.Date(year, date.Month(), date.Day(), 0, 0, 0, 0, loc).Add(time.Duration(n.Offset))
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
	}
	if !n.Yearly {
		return target(date.Year()), nil
	}
	year := now.In(loc).Year()
	for t := target(year - 1); ; year++ {
		if !t.Before(now) {
			return t, nil
		}
		t = target(year)
	}
}

// parseDate reads a calendar date ("2026-12-01") or a timestamp (RFC 3339),
// keeping only the day.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	return time.Time{}, errors.New("not a date such as 2026-12-01")
}

// quietUntil reports whether now falls inside the daily quiet window
// [start, end) in loc, and when that window ends (journey.QuietUntil,
// shared with broadcasts).
func quietUntil(now time.Time, loc *time.Location, start, end string) (time.Time, bool) {
	return journey.QuietUntil(now, loc, start, end)
}
