package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// twoPeriods are a dashboard's previous and current periods, which meet:
// previous [from, split), current [split, to). Each query below reads both
// in one pass over their union and splits the rows by period; index 0 of
// what it returns is the current period, 1 the previous. The figures are
// those ChannelKPIs, RevenueByJourney, RepeatPurchaseRate and LTVCohorts
// give for each period alone (TestDashboardMatchesThePerPeriodReads).
type twoPeriods struct {
	from, split, to time.Time
}

func period(current bool) int {
	if current {
		return 0
	}
	return 1
}

// dashboardChannels is ChannelKPIs for both periods.
func (s *Store) dashboardChannels(ctx context.Context, workspaceID string, p twoPeriods) ([2][]ChannelStats, error) {
	out := [2][]ChannelStats{{}, {}}
	rows, err := s.pool.Query(ctx, `
		SELECT bucket >= date_bin('15 minutes', $3, timestamptz '2000-01-01 00:00:00+00'), key, metric, sum(n)::bigint
		FROM journey_stat_counters
		WHERE workspace_id = $1 AND metric IN ('sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed', 'channel_converted')
		  AND bucket >= date_bin('15 minutes', $2, timestamptz '2000-01-01 00:00:00+00')
		  AND bucket < date_bin('15 minutes', $4, timestamptz '2000-01-01 00:00:00+00')
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, workspaceID, p.from, p.split, p.to)
	if err != nil {
		return out, fmt.Errorf("store: unable to compare channels: %w", err)
	}
	var current bool
	var channel, metric string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&current, &channel, &metric, &n}, func() error {
		list := &out[period(current)]
		if len(*list) == 0 || (*list)[len(*list)-1].Channel != channel {
			*list = append(*list, ChannelStats{Channel: channel})
		}
		c := &(*list)[len(*list)-1]
		if metric == "channel_converted" {
			c.Converted = n
		} else {
			addMessageCount(&c.MessageCounts, metric, n)
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("store: unable to compare channels: %w", err)
	}
	for _, list := range out {
		for i := range list {
			list[i].Rates = rates(list[i].MessageCounts, list[i].Converted, list[i].Sent)
		}
	}
	return out, nil
}

// dashboardJourneys is RevenueByJourney for both periods: every journey
// in each, most revenue first.
func (s *Store) dashboardJourneys(ctx context.Context, workspaceID string, p twoPeriods) ([2][]JourneyRevenue, error) {
	out := [2][]JourneyRevenue{{}, {}}
	rows, err := s.pool.Query(ctx, `
		WITH c AS (
			SELECT journey_id, bucket >= date_bin('15 minutes', $3, timestamptz '2000-01-01 00:00:00+00') AS is_current,
				COALESCE(sum(n) FILTER (WHERE metric = 'entered'), 0)::bigint AS entered,
				COALESCE(sum(n) FILTER (WHERE metric = 'converted'), 0)::bigint AS converted,
				COALESCE(sum(n) FILTER (WHERE metric = 'conversions'), 0)::bigint AS conversions,
				COALESCE(sum(amount) FILTER (WHERE metric = 'conversions'), 0)::float8 AS revenue
			FROM journey_stat_counters
			WHERE workspace_id = $1 AND metric IN ('entered', 'converted', 'conversions')
			  AND bucket >= date_bin('15 minutes', $2, timestamptz '2000-01-01 00:00:00+00')
			  AND bucket < date_bin('15 minutes', $4, timestamptz '2000-01-01 00:00:00+00')
			GROUP BY 1, 2)
		SELECT p.is_current, j.id, j.name, COALESCE(c.entered, 0), COALESCE(c.converted, 0), COALESCE(c.conversions, 0),
			COALESCE(c.revenue, 0)
		FROM journeys j CROSS JOIN (VALUES (true), (false)) AS p(is_current)
		LEFT JOIN c ON c.journey_id = j.id AND c.is_current = p.is_current
		WHERE j.workspace_id = $1
		ORDER BY 1, 7 DESC, 2`, workspaceID, p.from, p.split, p.to)
	if err != nil {
		return out, fmt.Errorf("store: unable to sum revenue by journey: %w", err)
	}
	var current bool
	var j JourneyRevenue
	_, err = pgx.ForEachRow(rows, []any{&current, &j.JourneyID, &j.Name, &j.Entered, &j.Converted, &j.Conversions, &j.Revenue}, func() error {
		j.CVR = ratio(j.Converted, j.Entered)
		out[period(current)] = append(out[period(current)], j)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("store: unable to sum revenue by journey: %w", err)
	}
	return out, nil
}

// purchases are one period's buyers and the cohorts of its new customers.
type purchases struct {
	repeat  RepeatPurchase
	cohorts []Cohort
}

// dashboardPurchasesSQL reads the purchases ($2, track calls) of both
// periods ($3 to $4 the previous, $4 to $5 the current): buyers, repeat
// buyers and orders per period, from the purchases grouped by customer
// and period (the row whose month is ”); and per period and month of
// the first purchase (in $6), the new customers and what they bought.
// A period's new customers are those whose first purchase ever falls in
// it, read from event_rollups.track_first_at (00047) by its index rather
// than from every purchase ever made; all they bought up to the period's
// end was bought in it, so their orders and revenue are their purchases
// of that period. The months are cut by date_trunc in the zone (one
// conversion a row, where to_char costs three times as much) and named
// once a month.
const dashboardPurchasesSQL = `
	WITH bought AS (
		SELECT user_id, timestamp >= $4 AS is_current, count(*) AS orders
		FROM events
		WHERE workspace_id = $1 AND event = $2 AND type = 'track' AND timestamp >= $3 AND timestamp < $5
		GROUP BY 1, 2
	), firsts AS (
		SELECT user_id, track_first_at >= $4 AS is_current, date_trunc('month', track_first_at, $6) AS month
		FROM event_rollups
		WHERE workspace_id = $1 AND event = $2 AND track_first_at >= $3 AND track_first_at < $5
	), cohorts AS (
		SELECT is_current, month, count(*) AS customers FROM firsts GROUP BY 1, 2
	), spent AS (
		SELECT f.is_current, f.month, count(*) AS orders, sum(event_revenue(e.properties)) AS revenue
		FROM events e JOIN firsts f ON f.user_id = e.user_id AND f.is_current = (e.timestamp >= $4)
		WHERE e.workspace_id = $1 AND e.event = $2 AND e.type = 'track' AND e.timestamp >= $3 AND e.timestamp < $5
		GROUP BY 1, 2
	)
	SELECT is_current, '', count(*), count(*) FILTER (WHERE orders >= 2), COALESCE(sum(orders), 0)::bigint, 0::float8
	FROM bought GROUP BY 1
	UNION ALL
	SELECT c.is_current, to_char(c.month AT TIME ZONE $6, 'YYYY-MM'), c.customers, 0, COALESCE(s.orders, 0), COALESCE(s.revenue, 0)::float8
	FROM cohorts c LEFT JOIN spent s USING (is_current, month)
	ORDER BY 1, 2`

// dashboardPurchases is RepeatPurchaseRate and LTVCohorts for both
// periods, tz cutting the cohorts' months.
func (s *Store) dashboardPurchases(ctx context.Context, workspaceID, event, tz string, p twoPeriods) ([2]purchases, error) {
	var out [2]purchases
	for i := range out {
		out[i] = purchases{repeat: RepeatPurchase{Event: event}, cohorts: []Cohort{}}
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// A month's buyers are hundreds of thousands of groups: kept in
		// memory, and no JIT compilation (which took longer than it saved).
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, dashboardPurchasesSQL, workspaceID, event, p.from, p.split, p.to, tz)
		if err != nil {
			return err
		}
		return scanPurchases(rows, &out)
	})
	if err != nil {
		return out, fmt.Errorf("store: unable to count purchases: %w", err)
	}
	return out, nil
}

// scanPurchases reads dashboardPurchasesSQL's rows into out.
func scanPurchases(rows pgx.Rows, out *[2]purchases) error {
	var current bool
	var month string
	var customers, repeaters, orders int64
	var revenue float64
	_, err := pgx.ForEachRow(rows, []any{&current, &month, &customers, &repeaters, &orders, &revenue}, func() error {
		o := &(*out)[period(current)]
		if month == "" {
			o.repeat.Buyers, o.repeat.Repeaters, o.repeat.Orders = customers, repeaters, orders
			o.repeat.Rate = ratio(repeaters, customers)
			return nil
		}
		o.cohorts = append(o.cohorts, Cohort{Month: month, Customers: customers, Orders: orders, Revenue: revenue,
			LTV: ratio1(revenue, customers)})
		return nil
	})
	return err
}
