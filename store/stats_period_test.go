package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestReadsResolveTheirPeriod covers the period a client writes (dates,
// instants, a zone or none): the store reads dates at the midnights of the
// workspace's zone unless the read names one, answers the zone it used,
// and refuses, naming the parameter, what only that zone shows wrong.
func TestReadsResolveTheirPeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	mustNot(t, b.store.SetWorkspaceTimezone(ctx, wsA, "Asia/Tokyo"))
	// 1 November 00:30 in Tokyo, 31 October in UTC.
	_, _, err := b.store.InsertEvent(ctx, store.Event{WorkspaceID: wsA, MessageID: "p1", UserID: "c1", Name: "purchase",
		Properties: json.RawMessage(`{"revenue": 10}`), Timestamp: time.Date(2026, 10, 31, 15, 30, 0, 0, time.UTC)})
	mustNot(t, err)

	t.Run("ReadsDatesInTheWorkspacesZone", func(t *testing.T) {
		q := store.KPIQuery{FromDay: "2026-11-01", ToDay: "2026-11-02"}
		got, tz, err := store.ReadKPI(ctx, b.store, wsA, q, b.store.RepeatPurchaseRate)
		mustNot(t, err)
		if tz != "Asia/Tokyo" || got.Buyers != 1 {
			t.Errorf("1 November in the workspace's zone = %+v in %q, want 1 buyer in Asia/Tokyo", got, tz)
		}
		q.TZ = "UTC"
		got, tz, err = store.ReadKPI(ctx, b.store, wsA, q, b.store.RepeatPurchaseRate)
		mustNot(t, err)
		if tz != "UTC" || got.Buyers != 0 {
			t.Errorf("1 November in UTC = %+v in %q, want no buyer in UTC", got, tz)
		}
	})

	t.Run("ReadsTheDashboardsDatesInTheZone", func(t *testing.T) {
		d, err := b.store.Dashboard(ctx, wsA, store.KPIQuery{FromDay: "2026-11-01", ToDay: "2026-11-02"}, time.Time{})
		mustNot(t, err)
		if want := time.Date(2026, 10, 31, 15, 0, 0, 0, time.UTC); d.Timezone != "Asia/Tokyo" || !d.Current.From.Equal(want) || d.Current.Totals.Buyers != 1 {
			t.Errorf("dashboard = %s from %s with %d buyers, want Asia/Tokyo from %s with 1", d.Timezone, d.Current.From, d.Current.Totals.Buyers, want)
		}
	})

	t.Run("RefusesWhatTheZoneShowsWrong", func(t *testing.T) {
		for name, c := range map[string]struct {
			q     store.KPIQuery
			field string
		}{
			// Midnight of 2 November in Tokyo is 15:00 UTC on 1 November.
			"AnEndAtTheStartInTheZone": {store.KPIQuery{FromDay: "2026-11-02", To: time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)}, "to"},
			"AStartAfterTheEnd":        {store.KPIQuery{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), ToDay: "2026-11-02", TZ: "UTC"}, "to"},
			"AZoneGoCannotLoad":        {store.KPIQuery{TZ: "Mars/Olympus"}, "tz"},
			"TheMachinesZone":          {store.KPIQuery{TZ: "Local"}, "tz"},
			"ADayThatIsNoDate":         {store.KPIQuery{FromDay: "2026-13-01"}, "from"},
		} {
			_, _, err := store.ReadKPI(ctx, b.store, wsA, c.q, b.store.ChannelKPIs)
			var r *store.Refusal
			if !errors.As(err, &r) || !errors.Is(err, store.ErrMalformed) || len(r.Fields) != 1 || r.Fields[0].Field != c.field {
				t.Errorf("%s: %v, want a malformed refusal on %s", name, err, c.field)
			}
			if _, err := b.store.JourneyStats(ctx, wsA, "nope", store.StatsQuery{From: c.q.From, To: c.q.To, FromDay: c.q.FromDay, ToDay: c.q.ToDay, TZ: c.q.TZ}); !errors.Is(err, store.ErrMalformed) {
				t.Errorf("%s: journey stats: %v, want the refusal before the journey is looked up", name, err)
			}
		}
	})

	t.Run("AcceptsAnEndAfterTheStartInTheZone", func(t *testing.T) {
		q := store.KPIQuery{FromDay: "2026-11-02", To: time.Date(2026, 11, 1, 15, 1, 0, 0, time.UTC)}
		if _, _, err := store.ReadKPI(ctx, b.store, wsA, q, b.store.ChannelKPIs); err != nil {
			t.Errorf("2 November in Tokyo to a minute after its midnight: %v", err)
		}
	})
}
