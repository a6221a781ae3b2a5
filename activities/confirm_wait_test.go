package activities

import (
	"testing"
	"time"
)

// TestConfirmRetryDelay: a batch waiting for a webhook looks again about
// confirmPolls times a window, never more often than confirmPoll, never
// later than the window's end, and within the retry policy's maximum
// interval (which the server would apply anyway).
func TestConfirmRetryDelay(t *testing.T) {
	for _, c := range []struct {
		name                      string
		window, left, maxInterval time.Duration
		want                      time.Duration
	}{
		{"AFifteenMinuteWindowIsLookedAtEightTimes", 15 * time.Minute, 14 * time.Minute, 0, 15 * time.Minute / 8},
		{"TheRetryPolicysMaximumIntervalHolds", 15 * time.Minute, 14 * time.Minute, time.Minute, time.Minute},
		{"AShortWindowIsLookedAtEveryFifteenSeconds", time.Minute, 50 * time.Second, time.Minute, confirmPoll},
		{"TheLastLookComesJustAfterTheEnd", 15 * time.Minute, 10 * time.Second, time.Minute, 11 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := confirmRetryDelay(c.window, c.left, c.maxInterval); got != c.want {
				t.Errorf("confirmRetryDelay(%v, %v, %v) = %v, want %v", c.window, c.left, c.maxInterval, got, c.want)
			}
		})
	}
}
