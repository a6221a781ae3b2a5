package store

import (
	"context"
	"errors"
	"time"
)

// Dashboard is the numbers a manager asks for, for a period and the one
// before it (as long, ending where it starts): the home page of the
// console and GET /v1/kpis/dashboard.
type Dashboard struct {
	Timezone string          `json:"timezone"`
	Current  DashboardPeriod `json:"current"`
	Previous DashboardPeriod `json:"previous"`
}

// DashboardPeriod is one period's numbers: across the workspace, per
// channel and per journey.
type DashboardPeriod struct {
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	Totals   DashboardTotals  `json:"totals"`
	Channels []ChannelStats   `json:"channels"`
	Journeys []JourneyRevenue `json:"journeys"`
}

// DashboardTotals are a period's totals. Rates are over messages sent (see
// Rates) but ConversionRate, runs converted over runs entered;
// RepeatPurchaseRate is buyers with two or more purchases in the period
// over buyers; LTV is what the customers whose first purchase fell in the
// period have spent, up to its end, per customer.
type DashboardTotals struct {
	MessageCounts
	Entered            int64   `json:"entered"`
	Converted          int64   `json:"converted"`
	Revenue            float64 `json:"revenue"` // attributed to journeys
	OpenRate           float64 `json:"openRate"`
	ClickRate          float64 `json:"clickRate"`
	ConversionRate     float64 `json:"conversionRate"`
	UnsubscribeRate    float64 `json:"unsubscribeRate"`
	Buyers             int64   `json:"buyers"`
	RepeatPurchaseRate float64 `json:"repeatPurchaseRate"`
	NewCustomers       int64   `json:"newCustomers"` // first purchase in the period
	LTV                float64 `json:"ltv"`
}

// ErrUnboundedPeriod is Dashboard's answer to a query without both ends.
var ErrUnboundedPeriod = errors.New("store: a dashboard period needs a start and an end")

// Dashboard reads the KPIs of the period q bounds (resolved first, both
// ends needed) and of the period before it: from previousFrom (the previous
// calendar month, for a monthly report) or, when zero, as long as q's.
// Both periods are read together: channels and journeys from the
// statistics counters, purchases from the purchase counters
// (purchase_counters.go) or, for another event or ends off the quarter
// hours, in one pass over the two periods' events (dashboard_periods.go).
func (s *Store) Dashboard(ctx context.Context, workspaceID string, q KPIQuery, previousFrom time.Time) (Dashboard, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return Dashboard{}, err
	}
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return Dashboard{}, ErrUnboundedPeriod
	}
	tz := q.TZ
	p := twoPeriods{from: q.From.Add(-q.To.Sub(q.From)), split: q.From, to: q.To}
	if !previousFrom.IsZero() && previousFrom.Before(q.From) {
		p.from = previousFrom
	}
	channels, err := s.dashboardChannels(ctx, workspaceID, p)
	if err != nil {
		return Dashboard{}, err
	}
	journeys, err := s.dashboardJourneys(ctx, workspaceID, p)
	if err != nil {
		return Dashboard{}, err
	}
	bought, err := s.periodPurchases(ctx, workspaceID, q.event(), tz, p)
	if err != nil {
		return Dashboard{}, err
	}
	out := Dashboard{Timezone: tz, Current: DashboardPeriod{From: p.split, To: p.to}, Previous: DashboardPeriod{From: p.from, To: p.split}}
	for i, d := range []*DashboardPeriod{&out.Current, &out.Previous} {
		d.Channels, d.Journeys = channels[i], journeys[i]
		d.Totals = dashboardTotals(d.Channels, d.Journeys, bought[i].repeat, bought[i].cohorts)
	}
	return out, nil
}

func dashboardTotals(channels []ChannelStats, journeys []JourneyRevenue, repeat RepeatPurchase, cohorts []Cohort) DashboardTotals {
	var t DashboardTotals
	for _, c := range channels {
		t.Sent += c.Sent
		t.Delivered += c.Delivered
		t.Opened += c.Opened
		t.Clicked += c.Clicked
		t.Bounced += c.Bounced
		t.Unsubscribed += c.Unsubscribed
	}
	for _, j := range journeys {
		t.Entered += j.Entered
		t.Converted += j.Converted
		t.Revenue += j.Revenue
	}
	var cohortRevenue float64
	for _, c := range cohorts {
		t.NewCustomers += c.Customers
		cohortRevenue += c.Revenue
	}
	t.OpenRate, t.ClickRate = ratio(t.Opened, t.Sent), ratio(t.Clicked, t.Sent)
	t.UnsubscribeRate = ratio(t.Unsubscribed, t.Sent)
	t.ConversionRate = ratio(t.Converted, t.Entered)
	t.Buyers, t.RepeatPurchaseRate = repeat.Buyers, repeat.Rate
	t.LTV = ratio1(cohortRevenue, t.NewCustomers)
	return t
}
