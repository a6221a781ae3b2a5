package journey

import (
	"fmt"
	"time"
)

// QuietUntil reports whether now falls inside the daily quiet window
// [start, end) ("HH:MM") in loc, and when that window ends. A window whose
// start is after its end spans midnight. Journeys' sends and broadcasts
// both hold their messages with it.
func QuietUntil(now time.Time, loc *time.Location, start, end string) (time.Time, bool) {
	local := now.In(loc)
	var sh, sm, eh, em int
	_, _ = fmt.Sscanf(start, "%d:%d", &sh, &sm) // validated when the journey or settings were saved
	_, _ = fmt.Sscanf(end, "%d:%d", &eh, &em)
	at := func(dayOffset, h, m int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()+dayOffset, h, m, 0, 0, loc)
	}
	for _, d := range []int{-1, 0} {
		s := at(d, sh, sm)
		e := at(d, eh, em)
		if !e.After(s) {
			e = at(d+1, eh, em)
		}
		if !now.Before(s) && now.Before(e) {
			return e, true
		}
	}
	return time.Time{}, false
}
