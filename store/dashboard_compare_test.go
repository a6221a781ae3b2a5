package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/store"
)

// referenceRepeatSQL and referenceLTVSQL are how the dashboard read a
// period's purchases before it read both periods at once (and new
// customers from event_rollups): every purchase in the period grouped by
// customer, and every purchase ever up to the period's end grouped by
// customer for the first purchase. TestDashboardMatchesTheReference holds
// the dashboard to them.
const (
	referenceRepeatSQL = `
		SELECT count(*), count(*) FILTER (WHERE orders >= 2), COALESCE(sum(orders), 0)::bigint FROM (
			SELECT user_id, count(*) AS orders FROM events
			WHERE workspace_id = $1 AND event = $2 AND type = 'track'
			  AND ($3::timestamptz IS NULL OR timestamp >= $3) AND ($4::timestamptz IS NULL OR timestamp < $4)
			GROUP BY user_id) AS b`
	referenceLTVSQL = `
		WITH buyers AS (
			SELECT user_id, min(timestamp) AS first_at, count(*) AS orders, sum(event_revenue(properties)) AS revenue
			FROM events
			WHERE workspace_id = $1 AND event = $2 AND type = 'track' AND ($4::timestamptz IS NULL OR timestamp < $4)
			GROUP BY user_id)
		SELECT to_char(first_at AT TIME ZONE $5, 'YYYY-MM'), count(*), sum(orders)::bigint, sum(revenue)::float8
		FROM buyers WHERE $3::timestamptz IS NULL OR first_at >= $3
		GROUP BY 1 ORDER BY 1`
)

// referencePeriod is one period of the dashboard as it was read before:
// the channels and journeys of the period alone, its purchases by the
// reference queries.
func referencePeriod(t *testing.T, b *testBundle, ws string, q store.KPIQuery) store.DashboardPeriod {
	t.Helper()
	ctx := context.Background()
	p := store.DashboardPeriod{From: q.From, To: q.To}
	var err error
	p.Channels, err = b.store.ChannelKPIs(ctx, ws, q)
	mustNot(t, err)
	p.Journeys, err = b.store.RevenueByJourney(ctx, ws, q)
	mustNot(t, err)
	event := q.PurchaseEvent
	if event == "" {
		event = "purchase"
	}
	r := store.RepeatPurchase{Event: event}
	mustNot(t, b.db.QueryRow(ctx, referenceRepeatSQL, ws, event, q.From, q.To).Scan(&r.Buyers, &r.Repeaters, &r.Orders))
	if r.Buyers > 0 {
		r.Rate = float64(r.Repeaters) / float64(r.Buyers)
	}
	rows, err := b.db.Query(ctx, referenceLTVSQL, ws, event, q.From, q.To, q.TZ)
	mustNot(t, err)
	cohorts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Cohort, error) {
		var c store.Cohort
		err := row.Scan(&c.Month, &c.Customers, &c.Orders, &c.Revenue)
		return c, err
	})
	mustNot(t, err)
	p.Totals = store.DashboardTotalsForTest(p.Channels, p.Journeys, r, cohorts)
	return p
}

// referenceDashboard is Dashboard as it was computed before: each period
// on its own.
func referenceDashboard(t *testing.T, b *testBundle, ws string, q store.KPIQuery, previousFrom time.Time) store.Dashboard {
	t.Helper()
	if q.TZ == "" {
		tz, err := b.store.WorkspaceTimezone(context.Background(), ws)
		mustNot(t, err)
		q.TZ = tz
	}
	prev := q
	prev.From, prev.To = q.From.Add(-q.To.Sub(q.From)), q.From
	if !previousFrom.IsZero() && previousFrom.Before(q.From) {
		prev.From = previousFrom
	}
	return store.Dashboard{Timezone: q.TZ, Current: referencePeriod(t, b, ws, q), Previous: referencePeriod(t, b, ws, prev)}
}

// TestDashboardMatchesTheReference: on a varied workspace (customers
// buying before, across and after the periods' ends, refunds, amounts as
// numbers and strings under revenue/total/value, several currencies, page
// calls named like the purchase, a merged and an erased customer, runs,
// messages and conversions across the ends) every figure of Dashboard is
// the one the per-period reference gives, for periods in several zones,
// on and off the statistics' quarter hours, a monthly report's previous
// month, another purchase event and another workspace. Periods on quarter
// hours are read from the purchase counters, the others from the events
// (TheCountersAreWhatARebuildCounts: ingestion, merges and the erasure
// kept the counters as a count of the stored purchases makes them).
func TestDashboardMatchesTheReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	dashboardFixture(t, b)
	mustNot(t, b.store.SetWorkspaceTimezone(ctx, wsA, "Asia/Tokyo"))
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	mustNot(t, err)
	la, err := time.LoadLocation("America/Los_Angeles")
	mustNot(t, err)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, tokyo)
	day := func(loc *time.Location, m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }
	cases := []struct {
		name string
		ws   string
		q    store.KPIQuery
		prev time.Time
	}{
		{"AMonthInUTC", wsA, store.KPIQuery{From: day(time.UTC, 11, 1), To: day(time.UTC, 12, 1), TZ: "UTC"}, time.Time{}},
		{"AMonthlyReportInTokyo", wsA, store.KPIQuery{From: nov, To: nov.AddDate(0, 1, 0), TZ: "Asia/Tokyo"}, nov.AddDate(0, -1, 0)},
		{"TheWorkspacesZone", wsA, store.KPIQuery{From: nov, To: nov.AddDate(0, 1, 0)}, time.Time{}},
		{"ThirtyDaysInLosAngeles", wsA, store.KPIQuery{From: day(la, 10, 22), To: day(la, 11, 21), TZ: "America/Los_Angeles"}, time.Time{}},
		{"OnQuarterHoursNotDays", wsA, store.KPIQuery{From: t0.Add(-9*24*time.Hour + 45*time.Minute), To: t0.Add(4*24*time.Hour + 15*time.Minute), TZ: "America/Los_Angeles"}, time.Time{}},
		{"OffTheQuarterHours", wsA, store.KPIQuery{From: t0.Add(-17*24*time.Hour + 7*time.Minute), To: t0.Add(3*24*time.Hour + 61*time.Second), TZ: "Asia/Tokyo"}, time.Time{}},
		{"OneDay", wsA, store.KPIQuery{From: day(tokyo, 11, 20), To: day(tokyo, 11, 21), TZ: "Asia/Tokyo"}, time.Time{}},
		{"AYear", wsA, store.KPIQuery{From: day(tokyo, 1, 1), To: day(tokyo, 12, 31), TZ: "Asia/Tokyo"}, time.Time{}},
		{"AnotherPurchaseEvent", wsA, store.KPIQuery{From: nov, To: nov.AddDate(0, 1, 0), TZ: "Asia/Tokyo", PurchaseEvent: "order_completed"}, time.Time{}},
		{"APeriodWithNothing", wsA, store.KPIQuery{From: day(tokyo, 1, 1).AddDate(-3, 0, 0), To: day(tokyo, 2, 1).AddDate(-3, 0, 0), TZ: "UTC"}, time.Time{}},
		{"AnotherWorkspace", wsB, store.KPIQuery{From: nov, To: nov.AddDate(0, 1, 0), TZ: "Asia/Tokyo"}, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := b.store.Dashboard(ctx, c.ws, c.q, c.prev)
			mustNot(t, err)
			want := referenceDashboard(t, b, c.ws, c.q, c.prev)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("dashboard\n%s\nreference\n%s", g, w)
			}
		})
	}
	t.Run("TheCountersAreWhatARebuildCounts", func(t *testing.T) {
		countersMatchARebuild(t, b, wsA)
		countersMatchARebuild(t, b, wsB)
	})
	t.Run("TheFixtureIsNotEmpty", func(t *testing.T) {
		d, err := b.store.Dashboard(ctx, wsA, cases[1].q, cases[1].prev)
		mustNot(t, err)
		for _, p := range []store.DashboardPeriod{d.Current, d.Previous} {
			tt := p.Totals
			if tt.Sent == 0 || tt.Opened == 0 || tt.Entered == 0 || tt.Converted == 0 || tt.Revenue == 0 ||
				tt.Buyers == 0 || tt.RepeatPurchaseRate == 0 || tt.NewCustomers == 0 || tt.NewCustomers == tt.Buyers || tt.LTV == 0 {
				t.Errorf("a period of the fixture lacks a figure: %+v", tt)
			}
		}
	})
}

// dashboardFixture fills workspace A (and a little of B) with journeys,
// runs, messages and purchases from a fixed seed, spread from August to
// December 2026.
func dashboardFixture(t *testing.T, b *testBundle) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(14, 2026))
	start := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	at := func() time.Time {
		return start.Add(time.Duration(rng.Int64N(int64(140 * 24 * time.Hour)))).Truncate(time.Second)
	}
	for _, id := range []string{"spring", "summer", "autumn", "idle"} {
		_, err := b.store.CreateJourney(ctx, wsA, id, "Journey "+id, json.RawMessage(promoDefinition))
		mustNot(t, err)
	}
	for i := range 90 {
		dashboardRun(t, b, rng, i, at())
	}
	props := []string{`{"revenue": 1200, "currency": "JPY"}`, `{"revenue": "980.5", "currency": "JPY"}`,
		`{"total": 30, "currency": "USD"}`, `{"value": -500, "currency": "JPY"}`, `{"revenue": "abc", "total": 10}`,
		`{}`, `{"revenue": 12.345, "currency": "EUR"}`, `{"revenue": -1200, "currency": "JPY", "refund": true}`}
	var events []store.Event
	for c := range 60 {
		user := fmt.Sprintf("c%02d", c)
		for k := range rng.IntN(6) {
			name := "purchase"
			if rng.IntN(8) == 0 {
				name = "order_completed"
			}
			events = append(events, store.Event{WorkspaceID: wsA, MessageID: fmt.Sprintf("%s-%d", user, k), UserID: user,
				Name: name, Properties: json.RawMessage(props[rng.IntN(len(props))]), Timestamp: at()})
		}
		if c%7 == 0 { // a page named like the purchase, the earliest call of the name
			events = append(events, store.Event{WorkspaceID: wsA, MessageID: user + "-page", Type: "page", UserID: user,
				Name: "purchase", Timestamp: start.Add(-24 * time.Hour)})
		}
		if c%11 == 0 { // the first purchase, as an anonymous visitor merged below
			events = append(events, store.Event{WorkspaceID: wsA, MessageID: user + "-anon", UserID: "anon-" + user,
				Name: "purchase", Properties: json.RawMessage(`{"revenue": 700}`), Timestamp: start.Add(-12 * time.Hour)})
		}
	}
	events = append(events, store.Event{WorkspaceID: wsB, MessageID: "b-1", UserID: "c01", Name: "purchase",
		Properties: json.RawMessage(`{"revenue": 99}`), Timestamp: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)})
	for len(events) > 0 { // batches of up to 25, one event sent twice in each
		n := min(25, len(events))
		_, err := b.store.InsertEvents(ctx, append(events[:n:n], events[0]))
		mustNot(t, err)
		events = events[n:]
	}
	for c := 0; c < 60; c += 11 {
		user := fmt.Sprintf("c%02d", c)
		merged, err := b.store.MergeProfiles(ctx, wsA, "anon-"+user, user, false)
		mustNot(t, err)
		if !merged {
			t.Fatalf("anon-%s was not merged", user)
		}
	}
	_, err := b.store.EraseCustomer(ctx, wsA, "c05", []string{"c05"}, "key_test", 0)
	mustNot(t, err)
}

// dashboardRun records run i of a journey entered at entered: its steps,
// a message on one channel with what became of it, and sometimes
// conversions, each at a random time after the one before.
func dashboardRun(t *testing.T, b *testBundle, rng *rand.Rand, i int, entered time.Time) {
	t.Helper()
	ctx := context.Background()
	later := func(from time.Time) time.Time {
		return from.Add(time.Duration(rng.Int64N(int64(72 * time.Hour)))).Truncate(time.Second)
	}
	journey := []string{"spring", "summer", "autumn"}[i%3]
	customer := fmt.Sprintf("c%02d", rng.IntN(60))
	key := fmt.Sprintf("run-%d", i)
	r := store.RunReport{WorkspaceID: wsA, RunKey: key, JourneyID: journey, Version: 1, CustomerID: customer,
		WorkflowID: "wf-" + key, EnteredAt: entered, Holdout: i%10 == 0}
	node, channel := []string{"mail_a", "line_b"}[i%2], []string{"email", "line", "push"}[i%3]
	r.Steps = []store.RunStep{{Seq: 1, Node: node, Kind: "send", EnteredAt: entered}}
	sent := later(entered)
	if i%4 != 3 {
		r.Leaves = []store.RunLeave{{Seq: 1, Next: "done"}}
		r.Steps = append(r.Steps, store.RunStep{Seq: 2, Node: "done", Kind: "exit", EnteredAt: sent})
		r.Exit = &store.RunExit{At: sent, Reason: "done"}
	}
	if i%3 != 2 {
		r.Conversions = []store.RunConversion{{MessageID: "goal-" + key, At: later(sent), Revenue: float64(rng.IntN(900000)) / 100}}
	}
	mustNot(t, b.store.RecordRun(ctx, r))
	_, _, err := b.store.RecordMessage(ctx, store.Message{ID: "msg-" + key, WorkspaceID: wsA, CustomerID: customer,
		JourneyID: journey, JourneyVersion: 1, WorkflowID: r.WorkflowID, RunID: "run", NodeID: node, Channel: channel,
		Status: "sent", CreatedAt: sent})
	mustNot(t, err)
	when := sent
	for _, status := range []string{"delivered", "opened", "clicked", "bounced", "unsubscribed"} {
		if rng.IntN(3) == 0 {
			continue
		}
		when = later(when)
		_, _, err := b.store.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: wsA, EventID: key + "-" + status,
			MessageID: "msg-" + key, Status: status, ProviderEvent: status, At: when})
		mustNot(t, err)
	}
}
