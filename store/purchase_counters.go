package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// CountedPurchaseEvent is the purchase event whose track calls the
// purchase counters (00051) count as they are stored: the dashboard's
// default purchase event. A dashboard asked about another event, or about
// a period whose ends are not on quarter hours, reads the events instead
// (dashboardPurchasesSQL), with the same figures.
const CountedPurchaseEvent = "purchase"

// lockPurchasersSQL locks the customers whose purchases a change is about
// to count ($1 workspaces, $2 ids; tabiji_lock_purchasers, 00051).
const lockPurchasersSQL = `SELECT tabiji_lock_purchasers($1::text[], $2::text[])`

// insertPurchasesSQL is insertEventsSQL for a batch with purchases: it
// also counts what the purchases it stores change in their customers'
// counters, the counters of every customer's purchases with the new ones
// less those without them (both read in the statement's snapshot, which
// does not hold the events it stores), one upsert per counter in key
// order. It runs after lockPurchasersSQL in one implicit transaction
// (runInsertEvents), so no other change to those customers' purchases
// comes between the reading and the counting.
// (insertEventsCTEs, then purchasesCTEs: eventColumnSet.statement).
const purchasesCTEs = `, purchases AS (
	SELECT v.workspace_id, v.customer, v.timestamp, v.message_id, event_revenue(v.properties::jsonb) AS revenue
	FROM v JOIN ids USING (workspace_id, message_id)
	WHERE v.event = '` + CountedPurchaseEvent + `' AND v.type = 'track'
), bought AS (
	SELECT workspace_id, array_agg(DISTINCT customer) AS users, array_agg(customer) AS added_users,
		array_agg(timestamp) AS added_at, array_agg(message_id) AS added_ids, array_agg(revenue) AS added_revenue
	FROM purchases GROUP BY 1
), counted AS (
	INSERT INTO purchase_counters AS c (workspace_id, event, metric, x, y, shard, n, revenue)
	SELECT d.workspace_id, '` + CountedPurchaseEvent + `', d.metric, d.x, d.y, pg_backend_pid() % 8, sum(d.n), sum(d.revenue)
	FROM (
		SELECT b.workspace_id, p.metric, p.x, p.y, p.n, p.revenue
		FROM bought b, tabiji_purchase_contributions(b.workspace_id, '` + CountedPurchaseEvent + `', b.users,
			b.added_users, b.added_at, b.added_ids, b.added_revenue) p
		UNION ALL
		SELECT b.workspace_id, p.metric, p.x, p.y, -p.n, -p.revenue
		FROM bought b, tabiji_purchase_contributions(b.workspace_id, '` + CountedPurchaseEvent + `', b.users,
			'{}', '{}', '{}', '{}') p
	) d
	GROUP BY d.workspace_id, d.metric, d.x, d.y
	HAVING sum(d.n) <> 0 OR sum(d.revenue) <> 0
	ORDER BY d.workspace_id, d.metric, d.x, d.y
	ON CONFLICT (workspace_id, event, metric, x, y, shard) DO UPDATE SET n = c.n + excluded.n, revenue = c.revenue + excluded.revenue
)`

// purchasers are the workspaces and ids of the batch's purchases, one
// pair each (repeats are harmless).
func (c *eventColumnSet) purchasers() (workspaces, users []string) {
	for i, name := range c.name {
		if name == CountedPurchaseEvent && c.typ[i] == "track" {
			workspaces, users = append(workspaces, c.ws[i]), append(users, c.user[i])
		}
	}
	return workspaces, users
}

// runInsertEvents runs insertEventsSQL, or for a batch with purchases
// lockPurchasersSQL and insertPurchasesSQL in one round trip (a batch is
// one implicit transaction: the locks hold until the insert is done, and
// the insert reads what committed while they waited), and hands read
// what the insert answers.
func (s *Store) runInsertEvents(ctx context.Context, cols *eventColumnSet, read func(pgx.Rows) error) (err error) {
	workspaces, users := cols.purchasers()
	if len(users) == 0 {
		rows, err := s.pool.Query(ctx, cols.statement(false), cols.args()...)
		if err != nil {
			return err
		}
		return read(rows)
	}
	b := &pgx.Batch{}
	b.Queue(lockPurchasersSQL, workspaces, users)
	b.Queue(cols.statement(true), cols.args()...)
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if closeErr := br.Close(); err == nil && closeErr != nil {
			err = closeErr
		}
	}()
	if _, err := br.Exec(); err != nil {
		return fmt.Errorf("lock the purchasers: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	return read(rows)
}

// recountPurchases, in a transaction that changes the purchases of the
// customers ids (a merge, an erasure), locks them (lockPurchasersSQL) and
// reads what they count; the returned func, called once the change is
// made, counts the difference in one statement (recountSQL), so that the
// counters' rows are locked only at the end of the transaction.
func recountPurchases(ctx context.Context, tx pgx.Tx, workspaceID string, ids []string) (func() error, error) {
	workspaces := make([]string, len(ids))
	for i := range ids {
		workspaces[i] = workspaceID
	}
	if _, err := tx.Exec(ctx, lockPurchasersSQL, workspaces, ids); err != nil {
		return nil, fmt.Errorf("lock the purchasers: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT metric, x, y, n, revenue
		FROM tabiji_purchase_contributions($1, $2, $3, '{}', '{}', '{}', '{}')`, workspaceID, CountedPurchaseEvent, ids)
	if err != nil {
		return nil, fmt.Errorf("read what the purchasers count: %w", err)
	}
	var before counterRows
	var metric string
	var x, y time.Time
	var n int64
	var revenue pgtype.Numeric
	_, err = pgx.ForEachRow(rows, []any{&metric, &x, &y, &n, &revenue}, func() error {
		before.add(metric, x, y, n, revenue)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read what the purchasers count: %w", err)
	}
	return func() error {
		_, err := tx.Exec(ctx, recountSQL, workspaceID, CountedPurchaseEvent, ids,
			before.metric, before.x, before.y, before.n, before.revenue)
		if err != nil {
			return fmt.Errorf("count the purchasers' purchases again: %w", err)
		}
		return nil
	}, nil
}

// recountErasedPurchases is recountPurchases for an erasure of ids: their
// customers, and those whose purchases the erasure deletes because they
// name an erased id as anonymousId or previousId.
func recountErasedPurchases(ctx context.Context, tx pgx.Tx, workspaceID string, ids []string) (func() error, error) {
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT user_id FROM events
		WHERE workspace_id = $1 AND event = $2 AND type = 'track' AND user_id <> ALL($3)
		  AND (anonymous_id = ANY($3) OR previous_id = ANY($3))`, workspaceID, CountedPurchaseEvent, ids)
	if err != nil {
		return nil, fmt.Errorf("find the erasure's purchasers: %w", err)
	}
	others, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find the erasure's purchasers: %w", err)
	}
	return recountPurchases(ctx, tx, workspaceID, append(slices.Clone(ids), others...))
}

// counterRows are purchase counter rows, column by column.
type counterRows struct {
	metric  []string
	x, y    []time.Time
	n       []int64
	revenue []pgtype.Numeric
}

func (r *counterRows) add(metric string, x, y time.Time, n int64, revenue pgtype.Numeric) {
	r.metric, r.x, r.y = append(r.metric, metric), append(r.x, x), append(r.y, y)
	r.n, r.revenue = append(r.n, n), append(r.revenue, revenue)
}

// recountSQL adds to the counters of event $2 what the customers $3 count
// now less what they counted before ($4 to $8, counterRows).
const recountSQL = `
	INSERT INTO purchase_counters AS c (workspace_id, event, metric, x, y, shard, n, revenue)
	SELECT $1, $2, d.metric, d.x, d.y, pg_backend_pid() % 8, sum(d.n), sum(d.revenue)
	FROM (
		SELECT metric, x, y, n, revenue FROM tabiji_purchase_contributions($1, $2, $3, '{}', '{}', '{}', '{}')
		UNION ALL
		SELECT metric, x, y, -n, -revenue
		FROM unnest($4::text[], $5::timestamptz[], $6::timestamptz[], $7::bigint[], $8::numeric[]) AS b(metric, x, y, n, revenue)
	) d
	GROUP BY d.metric, d.x, d.y
	HAVING sum(d.n) <> 0 OR sum(d.revenue) <> 0
	ORDER BY d.metric, d.x, d.y
	ON CONFLICT (workspace_id, event, metric, x, y, shard) DO UPDATE SET n = c.n + excluded.n, revenue = c.revenue + excluded.revenue`

// onQuarterHours says whether every end of p falls on a quarter hour, as
// the purchase counters' rows do.
func (p twoPeriods) onQuarterHours() bool {
	for _, t := range []time.Time{p.from, p.split, p.to} {
		if !t.Truncate(15 * time.Minute).Equal(t) {
			return false
		}
	}
	return true
}

// countedPurchasesSQL is dashboardPurchasesSQL read from the purchase
// counters (00051), for periods on quarter hours: the rows whose x falls
// in a period and whose y falls before its end ($3 to $4 the previous
// period, $4 to $5 the current). Buyers are orders less pairs, repeat
// buyers pairs less triples; the new customers (first) and what they
// spent (cohort) per month of their first purchase in $6.
const countedPurchasesSQL = `
	WITH c AS (
		SELECT x >= $4 AS is_current, metric, x, n, revenue
		FROM purchase_counters
		WHERE workspace_id = $1 AND event = $2 AND x >= $3 AND x < $5
		  AND y < CASE WHEN x >= $4 THEN $5 ELSE $4 END
	), totals AS (
		SELECT is_current,
			COALESCE(sum(n) FILTER (WHERE metric = 'order'), 0) AS orders,
			COALESCE(sum(n) FILTER (WHERE metric = 'pair'), 0) AS pairs,
			COALESCE(sum(n) FILTER (WHERE metric = 'triple'), 0) AS triples
		FROM c WHERE metric IN ('order', 'pair', 'triple') GROUP BY 1
	), cohorts AS (
		SELECT is_current, date_trunc('month', x, $6) AS month,
			COALESCE(sum(n) FILTER (WHERE metric = 'first'), 0) AS customers,
			COALESCE(sum(n) FILTER (WHERE metric = 'cohort'), 0) AS orders,
			COALESCE(sum(revenue) FILTER (WHERE metric = 'cohort'), 0) AS revenue
		FROM c WHERE metric IN ('first', 'cohort') GROUP BY 1, 2
	)
	SELECT is_current, '', (orders - pairs)::bigint, (pairs - triples)::bigint, orders::bigint, 0::float8
	FROM totals WHERE orders > 0
	UNION ALL
	SELECT is_current, to_char(month AT TIME ZONE $6, 'YYYY-MM'), customers::bigint, 0, orders::bigint, revenue::float8
	FROM cohorts WHERE customers > 0
	ORDER BY 1, 2`

// periodPurchases is dashboardPurchases, read from the purchase counters
// where they hold the event and the periods' ends fall on their quarter
// hours.
func (s *Store) periodPurchases(ctx context.Context, workspaceID, event, tz string, p twoPeriods) ([2]purchases, error) {
	if event == CountedPurchaseEvent && p.onQuarterHours() {
		return s.countedPurchases(ctx, workspaceID, tz, p)
	}
	return s.dashboardPurchases(ctx, workspaceID, event, tz, p)
}

// countedPurchases is dashboardPurchases read from the purchase counters.
func (s *Store) countedPurchases(ctx context.Context, workspaceID, tz string, p twoPeriods) ([2]purchases, error) {
	var out [2]purchases
	for i := range out {
		out[i] = purchases{repeat: RepeatPurchase{Event: CountedPurchaseEvent}, cohorts: []Cohort{}}
	}
	rows, err := s.pool.Query(ctx, countedPurchasesSQL, workspaceID, CountedPurchaseEvent, p.from, p.split, p.to, tz)
	if err == nil {
		err = scanPurchases(rows, &out)
	}
	if err != nil {
		return out, fmt.Errorf("store: unable to read the purchase counters: %w", err)
	}
	return out, nil
}
