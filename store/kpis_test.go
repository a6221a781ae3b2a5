package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestKPIs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	purchases := func(t *testing.T, s *store.Store) {
		t.Helper()
		for _, e := range []struct {
			ws, id, user, name, props string
			at                        time.Time
		}{
			{wsA, "b1", "c1", "purchase", `{"revenue": 100}`, time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)}, // 1 Nov in Tokyo
			{wsA, "b2", "c1", "purchase", `{"total": "50"}`, time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)},
			{wsA, "b3", "c2", "purchase", `{"value": 20}`, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)},
			{wsA, "b4", "c2", "purchase", `{"revenue": 30, "total": 99}`, time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC)},
			{wsA, "b5", "c3", "purchase", `{"revenue": 40}`, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
			{wsA, "b6", "c4", "purchase", `{"currency": "JPY"}`, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
			{wsA, "x1", "c1", "cart_add", `{"revenue": 1000}`, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
			{wsB, "y1", "c9", "purchase", `{"revenue": 1000}`, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
		} {
			_, _, err := s.InsertEvent(ctx, store.Event{WorkspaceID: e.ws, MessageID: e.id, UserID: e.user, Name: e.name,
				Properties: json.RawMessage(e.props), Timestamp: e.at})
			mustNot(t, err)
		}
	}

	t.Run("GroupsLTVByTheMonthOfTheFirstPurchaseInTheZone", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		purchases(t, b.store)
		got, err := b.store.LTVCohorts(ctx, wsA, store.KPIQuery{TZ: "Asia/Tokyo"})
		mustNot(t, err)
		want := []store.Cohort{
			{Month: "2026-10", Customers: 1, Orders: 2, Revenue: 50, LTV: 50},
			{Month: "2026-11", Customers: 3, Orders: 4, Revenue: 190, LTV: 190.0 / 3},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cohorts in Tokyo = %+v, want %+v", got, want)
		}
		got, err = b.store.LTVCohorts(ctx, wsA, store.KPIQuery{TZ: "UTC"})
		mustNot(t, err)
		want = []store.Cohort{
			{Month: "2026-10", Customers: 2, Orders: 4, Revenue: 200, LTV: 100},
			{Month: "2026-11", Customers: 2, Orders: 2, Revenue: 40, LTV: 20},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cohorts in UTC = %+v, want %+v", got, want)
		}
	})

	t.Run("CountsRepeatBuyersInTheRange", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		purchases(t, b.store)
		got, err := b.store.RepeatPurchaseRate(ctx, wsA, store.KPIQuery{})
		mustNot(t, err)
		if want := (store.RepeatPurchase{Event: "purchase", Buyers: 4, Repeaters: 2, Orders: 6, Rate: 0.5}); got != want {
			t.Errorf("all time = %+v, want %+v", got, want)
		}
		got, err = b.store.RepeatPurchaseRate(ctx, wsA, store.KPIQuery{
			From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		mustNot(t, err)
		if want := (store.RepeatPurchase{Event: "purchase", Buyers: 4, Repeaters: 0, Orders: 4}); got != want {
			t.Errorf("November = %+v, want %+v", got, want)
		}
	})

	t.Run("ComparesChannelsAndSumsRevenueByJourney", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		promoFixture(t, b)
		_, err := b.store.CreateJourney(ctx, wsA, "quiet", "Quiet", json.RawMessage(promoDefinition))
		mustNot(t, err)
		ch, err := b.store.ChannelKPIs(ctx, wsA, store.KPIQuery{})
		mustNot(t, err)
		wantCh := []store.ChannelStats{
			{Channel: "email", MessageCounts: store.MessageCounts{Sent: 1, Delivered: 1, Opened: 1, Clicked: 1}, Converted: 1,
				Rates: store.Rates{OpenRate: 1, CTR: 1, CVR: 1}},
			{Channel: "line", MessageCounts: store.MessageCounts{Sent: 1}},
		}
		if !reflect.DeepEqual(ch, wantCh) {
			t.Errorf("channels = %+v, want %+v", ch, wantCh)
		}
		rev, err := b.store.RevenueByJourney(ctx, wsA, store.KPIQuery{})
		mustNot(t, err)
		wantRev := []store.JourneyRevenue{
			{JourneyID: "promo", Name: "Promo", Entered: 3, Converted: 2, Conversions: 3, Revenue: 180.5, CVR: 2.0 / 3},
			{JourneyID: "quiet", Name: "Quiet"},
		}
		if !reflect.DeepEqual(rev, wantRev) {
			t.Errorf("revenue by journey = %+v, want %+v", rev, wantRev)
		}
		other, err := b.store.RevenueByJourney(ctx, wsB, store.KPIQuery{})
		mustNot(t, err)
		if len(other) != 0 {
			t.Errorf("another workspace sees %+v", other)
		}
	})
}
