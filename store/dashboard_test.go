package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestDashboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	promoFixture(t, b)
	for i, e := range []struct {
		user string
		at   time.Time
	}{{"c1", t0.Add(time.Hour)}, {"c1", t0.Add(2 * time.Hour)}, {"c2", t0.Add(3 * time.Hour)}, {"c3", t0.Add(-36 * time.Hour)}} {
		_, _, err := b.store.InsertEvent(ctx, store.Event{WorkspaceID: wsA, MessageID: "buy" + string(rune('a'+i)), UserID: e.user, Name: "purchase",
			Properties: json.RawMessage(`{"revenue": 100}`), Timestamp: e.at})
		mustNot(t, err)
	}
	from := t0.Add(-12 * time.Hour)
	d, err := b.store.Dashboard(ctx, wsA, store.KPIQuery{From: from, To: from.Add(24 * time.Hour), TZ: "UTC"}, time.Time{})
	mustNot(t, err)

	t.Run("TotalsTheChannelsAndJourneysOfThePeriod", func(t *testing.T) {
		c := d.Current.Totals
		if c.Sent != 2 || c.Opened != 1 || c.Clicked != 1 || c.Entered != 3 || c.Converted != 2 || c.Revenue != 180.5 {
			t.Errorf("totals %+v", c)
		}
		if c.OpenRate != 0.5 || c.ClickRate != 0.5 || c.ConversionRate != 2.0/3 {
			t.Errorf("rates %+v", c)
		}
		if len(d.Current.Channels) != 2 || len(d.Current.Journeys) != 1 || d.Current.Journeys[0].JourneyID != "promo" {
			t.Errorf("channels %+v journeys %+v", d.Current.Channels, d.Current.Journeys)
		}
	})
	t.Run("CountsRepeatBuyersAndTheLTVOfNewCustomers", func(t *testing.T) {
		c := d.Current.Totals
		// c1 bought twice, c2 once in the period; c3 bought before it.
		if c.Buyers != 2 || c.RepeatPurchaseRate != 0.5 || c.NewCustomers != 2 || c.LTV != 150 {
			t.Errorf("buyers %d, repeat %v, new %d, LTV %v", c.Buyers, c.RepeatPurchaseRate, c.NewCustomers, c.LTV)
		}
	})
	t.Run("ThePreviousPeriodIsAsLongAndEndsWhereThisOneStarts", func(t *testing.T) {
		p := d.Previous
		if !p.To.Equal(from) || !p.From.Equal(from.Add(-24*time.Hour)) {
			t.Errorf("previous %v–%v", p.From, p.To)
		}
		if p.Totals.Sent != 0 || p.Totals.Entered != 0 || p.Totals.Buyers != 1 || p.Totals.NewCustomers != 1 {
			t.Errorf("previous totals %+v", p.Totals)
		}
	})
	t.Run("APreviousPeriodCanStartEarlier", func(t *testing.T) {
		m, err := b.store.Dashboard(ctx, wsA, store.KPIQuery{From: from, To: from.Add(24 * time.Hour)}, from.Add(-48*time.Hour))
		mustNot(t, err)
		if !m.Previous.From.Equal(from.Add(-48*time.Hour)) || !m.Previous.To.Equal(from) {
			t.Errorf("previous %v–%v", m.Previous.From, m.Previous.To)
		}
	})
	t.Run("AnotherWorkspaceSeesNone", func(t *testing.T) {
		o, err := b.store.Dashboard(ctx, wsB, store.KPIQuery{From: from, To: from.Add(24 * time.Hour)}, time.Time{})
		mustNot(t, err)
		if o.Current.Totals.Sent != 0 || o.Current.Totals.Buyers != 0 || len(o.Current.Journeys) != 0 {
			t.Errorf("another workspace sees %+v", o.Current)
		}
	})
	t.Run("APeriodNeedsBothEnds", func(t *testing.T) {
		if _, err := b.store.Dashboard(ctx, wsA, store.KPIQuery{From: from}, time.Time{}); !errors.Is(err, store.ErrUnboundedPeriod) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestJourneysOverview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	promoFixture(t, b)
	_, err := b.store.CreateJourney(ctx, wsA, "quiet", "Quiet", json.RawMessage(promoDefinition))
	mustNot(t, err)
	all, err := b.store.JourneysOverview(ctx, wsA, t0.Add(-time.Hour))
	mustNot(t, err)
	if len(all) != 2 || all[0].ID != "promo" || all[0].Version != 1 || all[0].Entered != 3 || all[0].Converted != 2 ||
		all[0].Revenue != 180.5 || all[1].ID != "quiet" || all[1].Status != store.JourneyDraft || all[1].Entered != 0 {
		t.Errorf("overview %+v", all)
	}
	later, err := b.store.JourneysOverview(ctx, wsA, t0.Add(48*time.Hour))
	mustNot(t, err)
	if later[0].Entered != 0 || later[0].Revenue != 0 {
		t.Errorf("runs before since are counted: %+v", later[0])
	}
	other, err := b.store.JourneysOverview(ctx, wsB, t0)
	mustNot(t, err)
	if len(other) != 0 {
		t.Errorf("another workspace sees %+v", other)
	}
}
