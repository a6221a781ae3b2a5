package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// KPIQuery bounds the business KPIs: facts from From (inclusive) to To
// (exclusive; zero: unbounded); PurchaseEvent names the purchase event
// ("purchase" when empty); TZ cuts cohort months ("": the workspace's).
// FromDay and ToDay, when set, are dates (2026-11-23) whose midnights in
// that zone are From and To: each KPI read resolves its period first
// (stats_period.go).
type KPIQuery struct {
	From, To       time.Time
	FromDay, ToDay string
	PurchaseEvent  string
	TZ             string
}

func (q KPIQuery) bounds() (from, to *time.Time) {
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	return from, to
}

func (q KPIQuery) event() string {
	if q.PurchaseEvent == "" {
		return "purchase"
	}
	return q.PurchaseEvent
}

// ChannelKPIs compares the channels across every journey of the workspace:
// messages sent and what became of them, the open rate and CTR over sent,
// and CVR, runs converted after a message on the channel over messages sent.
func (s *Store) ChannelKPIs(ctx context.Context, workspaceID string, q KPIQuery) ([]ChannelStats, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return nil, err
	}
	from, to := q.bounds()
	rows, err := s.pool.Query(ctx, `
		SELECT key, metric, sum(n)::bigint FROM journey_stat_counters
		WHERE workspace_id = $1 AND metric IN ('sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed', 'channel_converted')
		  AND ($2::timestamptz IS NULL OR bucket >= date_bin('15 minutes', $2, timestamptz '2000-01-01 00:00:00+00'))
		  AND ($3::timestamptz IS NULL OR bucket < date_bin('15 minutes', $3, timestamptz '2000-01-01 00:00:00+00'))
		GROUP BY key, metric ORDER BY key, metric`, workspaceID, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: unable to compare channels: %w", err)
	}
	out := []ChannelStats{}
	var channel, metric string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&channel, &metric, &n}, func() error {
		if len(out) == 0 || out[len(out)-1].Channel != channel {
			out = append(out, ChannelStats{Channel: channel})
		}
		c := &out[len(out)-1]
		if metric == "channel_converted" {
			c.Converted = n
		} else {
			addMessageCount(&c.MessageCounts, metric, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to compare channels: %w", err)
	}
	for i := range out {
		out[i].Rates = rates(out[i].MessageCounts, out[i].Converted, out[i].Sent)
	}
	return out, nil
}

// RepeatPurchase is the share of buyers who bought more than once.
type RepeatPurchase struct {
	Event     string  `json:"event"`
	Buyers    int64   `json:"buyers"`    // customers with at least one purchase in the range
	Repeaters int64   `json:"repeaters"` // … with two or more
	Orders    int64   `json:"orders"`
	Rate      float64 `json:"rate"` // repeaters / buyers
}

// RepeatPurchaseRate counts, among the customers who bought in the range,
// those who bought at least twice in it.
func (s *Store) RepeatPurchaseRate(ctx context.Context, workspaceID string, q KPIQuery) (RepeatPurchase, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return RepeatPurchase{}, err
	}
	from, to := q.bounds()
	out := RepeatPurchase{Event: q.event()}
	err = s.pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE orders >= 2), COALESCE(sum(orders), 0)::bigint FROM (
			SELECT user_id, count(*) AS orders FROM events
			WHERE workspace_id = $1 AND event = $2 AND type = 'track'
			  AND ($3::timestamptz IS NULL OR timestamp >= $3) AND ($4::timestamptz IS NULL OR timestamp < $4)
			GROUP BY user_id) AS b`, workspaceID, out.Event, from, to).Scan(&out.Buyers, &out.Repeaters, &out.Orders)
	if err != nil {
		return RepeatPurchase{}, fmt.Errorf("store: unable to count repeat purchases: %w", err)
	}
	out.Rate = ratio(out.Repeaters, out.Buyers)
	return out, nil
}

// Cohort is the customers whose first purchase fell in one month, and what
// they have spent since (to the query's To, if any).
type Cohort struct {
	Month     string  `json:"month"` // 2026-11, in the query's zone
	Customers int64   `json:"customers"`
	Orders    int64   `json:"orders"`
	Revenue   float64 `json:"revenue"`
	LTV       float64 `json:"ltv"` // revenue / customers
}

// LTVCohorts groups customers by the month of their first purchase ever
// (those whose first purchase falls in the range) and sums the revenue of
// all their purchases (journey.RevenueProperties) up to To.
func (s *Store) LTVCohorts(ctx context.Context, workspaceID string, q KPIQuery) ([]Cohort, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return nil, err
	}
	from, to := q.bounds()
	tz := q.TZ
	rows, err := s.pool.Query(ctx, `
		WITH buyers AS (
			SELECT user_id, min(timestamp) AS first_at, count(*) AS orders, sum(event_revenue(properties)) AS revenue
			FROM events
			WHERE workspace_id = $1 AND event = $2 AND type = 'track' AND ($4::timestamptz IS NULL OR timestamp < $4)
			GROUP BY user_id)
		SELECT to_char(first_at AT TIME ZONE $5, 'YYYY-MM'), count(*), sum(orders)::bigint, sum(revenue)::float8
		FROM buyers WHERE $3::timestamptz IS NULL OR first_at >= $3
		GROUP BY 1 ORDER BY 1`, workspaceID, q.event(), from, to, tz)
	if err != nil {
		return nil, fmt.Errorf("store: unable to compute LTV cohorts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Cohort, error) {
		var c Cohort
		err := row.Scan(&c.Month, &c.Customers, &c.Orders, &c.Revenue)
		c.LTV = ratio1(c.Revenue, c.Customers)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to compute LTV cohorts: %w", err)
	}
	if out == nil {
		out = []Cohort{}
	}
	return out, nil
}

func ratio1(a float64, b int64) float64 {
	if b == 0 {
		return 0
	}
	return a / float64(b)
}

// JourneyRevenue is the revenue attributed to one journey: the goal events
// of its runs within their attribution windows.
type JourneyRevenue struct {
	JourneyID   string  `json:"journeyId"`
	Name        string  `json:"name"`
	Entered     int64   `json:"entered"`
	Converted   int64   `json:"converted"`
	Conversions int64   `json:"conversions"`
	Revenue     float64 `json:"revenue"`
	CVR         float64 `json:"cvr"`
}

// RevenueByJourney lists every journey of the workspace with the runs that
// entered it and the conversions and revenue attributed to it in the
// range, most revenue first.
func (s *Store) RevenueByJourney(ctx context.Context, workspaceID string, q KPIQuery) ([]JourneyRevenue, error) {
	q, err := q.resolved(ctx, s, workspaceID)
	if err != nil {
		return nil, err
	}
	from, to := q.bounds()
	rows, err := s.pool.Query(ctx, `
		SELECT j.id, j.name,
			COALESCE(sum(c.n) FILTER (WHERE c.metric = 'entered'), 0)::bigint,
			COALESCE(sum(c.n) FILTER (WHERE c.metric = 'converted'), 0)::bigint,
			COALESCE(sum(c.n) FILTER (WHERE c.metric = 'conversions'), 0)::bigint,
			COALESCE(sum(c.amount) FILTER (WHERE c.metric = 'conversions'), 0)::float8
		FROM journeys j LEFT JOIN journey_stat_counters c
		  ON c.workspace_id = j.workspace_id AND c.journey_id = j.id AND c.metric IN ('entered', 'converted', 'conversions')
		 AND ($2::timestamptz IS NULL OR c.bucket >= date_bin('15 minutes', $2, timestamptz '2000-01-01 00:00:00+00'))
		 AND ($3::timestamptz IS NULL OR c.bucket < date_bin('15 minutes', $3, timestamptz '2000-01-01 00:00:00+00'))
		WHERE j.workspace_id = $1
		GROUP BY j.id, j.name ORDER BY 6 DESC, j.id`, workspaceID, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: unable to sum revenue by journey: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (JourneyRevenue, error) {
		var j JourneyRevenue
		err := row.Scan(&j.JourneyID, &j.Name, &j.Entered, &j.Converted, &j.Conversions, &j.Revenue)
		j.CVR = ratio(j.Converted, j.Entered)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to sum revenue by journey: %w", err)
	}
	if out == nil {
		out = []JourneyRevenue{}
	}
	return out, nil
}
