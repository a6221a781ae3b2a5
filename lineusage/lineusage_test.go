package lineusage_test

import (
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/lineusage"
)

func TestUsage(t *testing.T) {
	// 2026-12-11 00:00 JST: 10 of December's 31 days are gone.
	at := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)
	t.Run("ForecastsTheMonthAtThePaceSoFar", func(t *testing.T) {
		u := lineusage.Of(line.Quota{Type: "limited", Limit: 1000, Consumed: 400}, at)
		want := lineusage.Usage{Month: "2026-12", Limited: true, Limit: 1000, Consumed: 400, Remain: 600, Forecast: 1240, OverBy: 240}
		if u != want {
			t.Errorf("usage = %+v, want %+v", u, want)
		}
	})
	t.Run("TheMonthIsJapans", func(t *testing.T) {
		// 2026-11-30 16:00 UTC is already December 1st in Tokyo.
		u := lineusage.Of(line.Quota{Type: "limited", Limit: 1000}, time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC))
		if u.Month != "2026-12" || u.Forecast != 0 {
			t.Errorf("usage = %+v", u)
		}
	})
	t.Run("UsedPastTheLimitRemainsNothing", func(t *testing.T) {
		u := lineusage.Of(line.Quota{Type: "limited", Limit: 100, Consumed: 130}, at)
		if u.Remain != 0 {
			t.Errorf("remaining = %d", u.Remain)
		}
		s := lineusage.Check(u, 5)
		if s == nil || s.Over() != 5 {
			t.Fatalf("shortfall = %+v", s)
		}
	})
	t.Run("AnAudienceThatFitsOrAPlanWithoutQuotaPasses", func(t *testing.T) {
		u := lineusage.Of(line.Quota{Type: "limited", Limit: 100, Consumed: 40}, at)
		if s := lineusage.Check(u, 60); s != nil {
			t.Errorf("60 of 60 remaining refused: %v", s)
		}
		if s := lineusage.Check(u, 61); s == nil || s.Over() != 1 ||
			s.Error() != "the broadcast reaches up to 61 LINE users, but 60 of this month's 100 messages remain (40 sent in 2026-12): 1 would be billed past the plan's allowance" {
			t.Errorf("61 of 60 remaining = %v", s)
		}
		if s := lineusage.Check(lineusage.Of(line.Quota{Type: "none", Consumed: 1e6}, at), 1e6); s != nil {
			t.Errorf("a plan without quota refused: %v", s)
		}
	})
}
