-- +goose Up

-- Purchase counters: what the dashboard reads of a period's purchases
-- (buyers, repeat buyers, new customers and what they spent), kept by
-- ingestion so that a month reads a few thousand counter rows instead of
-- grouping every purchase of the period by customer (store.Dashboard).
--
-- Each customer's track calls of the event, in time order t1, t2, …,
-- count on quarter hours (x, y: date_bin of 15 minutes, so any period
-- whose ends fall on quarter hours, every day in every zone, sums whole
-- rows; t >= a is bin(t) >= a when a is on a quarter hour):
--   order  (t, t)            every call: orders = Σ order
--   first  (t1, t1)          the first call ever: new customers
--   pair   (t[i-1], t[i])    consecutive calls
--   triple (t[i-2], t[i])    three consecutive calls
--   cohort (t1, t[i])        every call with its revenue, keyed by the first
-- For a period [a, b) and rows whose x is in it and y < b: a customer
-- with k calls in the period gives k orders, k-1 pairs and k-2 triples
-- inside it, so buyers = orders - pairs and repeat buyers (k >= 2) =
-- pairs - triples; new customers = Σ first, and what they spent in the
-- period = Σ cohort revenue. The first call is event_rollups'
-- track_first_at (00047) where the rollup has one, so that pruned events
-- (retention) leave the first purchase where it was.
CREATE TABLE purchase_counters (
    workspace_id text NOT NULL,
    event text NOT NULL,
    metric text NOT NULL,
    x timestamptz NOT NULL,
    y timestamptz NOT NULL,
    -- Ingestion writes the shard of its connection (pg_backend_pid() % 8), so
    -- that concurrent batches do not queue on the current quarter hour's
    -- rows; readers sum the shards.
    shard smallint NOT NULL DEFAULT 0,
    n bigint NOT NULL,
    revenue numeric NOT NULL,
    PRIMARY KEY (workspace_id, event, metric, x, y, shard)
);

-- +goose StatementBegin
-- tabiji_purchase_contributions is what the customers users add to the
-- counters of event ev (users is never NULL: a NULL meaning "everyone"
-- would keep the planner from reading the few customers by their index):
-- their stored track calls of it and the calls in the added_ arrays
-- (calls about to be stored, which the statement storing them cannot
-- read back). Ingestion counts the difference it makes (store/events.go);
-- merges and erasures take out what the customers counted before and
-- count what they count after (store/purchase_counters.go).
CREATE FUNCTION tabiji_purchase_contributions(ws text, ev text, users text[], added_users text[],
    added_at timestamptz[], added_ids text[], added_revenue numeric[])
RETURNS TABLE (metric text, x timestamptz, y timestamptz, n bigint, revenue numeric)
-- PL/pgSQL with EXECUTE, not an inlined SQL function: the query is planned
-- at each call for the customers it is given, where a plan for a batch's
-- customers unknown at planning time read every purchase and rollup of the
-- workspace. The rows are read customer by customer (OFFSET 0 keeps each
-- lookup apart), by the index of customers: "event || ''" keeps the planner
-- off the index by event name, which it took when its statistics did not
-- yet know of the event (every purchase of the workspace read for each
-- batch). STABLE: it reads the snapshot of the statement that calls it.
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
    WITH users AS (
        SELECT DISTINCT id FROM unnest($3::text[]) AS id
    ), calls AS (
        SELECT u.id AS user_id, e.timestamp AS t, e.message_id, event_revenue(e.properties) AS revenue
        FROM users u CROSS JOIN LATERAL (
            SELECT e.timestamp, e.message_id, e.properties FROM events e
            WHERE e.workspace_id = $1 AND e.user_id = u.id AND e.event || '' = $2 AND e.type = 'track'
            OFFSET 0) e
        UNION ALL
        SELECT * FROM unnest($4, $5, $6, $7)
    ), firsts AS (
        SELECT u.id AS user_id, r.track_first_at
        FROM users u CROSS JOIN LATERAL (
            SELECT r.track_first_at FROM event_rollups r
            WHERE r.workspace_id = $1 AND r.user_id = u.id AND r.event = $2
            OFFSET 0) r
    ), seq AS (
        SELECT c.user_id, c.t, c.revenue, row_number() OVER w AS i, lag(c.t) OVER w AS t1, lag(c.t, 2) OVER w AS t2,
            min(c.t) OVER (PARTITION BY c.user_id) AS seq_first
        FROM calls c
        WINDOW w AS (PARTITION BY c.user_id ORDER BY c.t, c.message_id)
    ), binned AS (
        SELECT s.i, s.revenue, s.t = f.first_at AS is_first,
            date_bin('15 minutes', s.t, timestamptz '2000-01-01 00:00:00+00') AS q,
            date_bin('15 minutes', s.t1, timestamptz '2000-01-01 00:00:00+00') AS q1,
            date_bin('15 minutes', s.t2, timestamptz '2000-01-01 00:00:00+00') AS q2,
            date_bin('15 minutes', f.first_at, timestamptz '2000-01-01 00:00:00+00') AS qf
        FROM seq s
        LEFT JOIN firsts r ON r.user_id = s.user_id
        CROSS JOIN LATERAL (SELECT LEAST(r.track_first_at, s.seq_first) AS first_at) f
    )
    SELECT k.metric, k.x, k.y, count(*), sum(k.revenue)
    FROM binned b CROSS JOIN LATERAL (VALUES
        ('order', b.q, b.q, 0::numeric, true),
        ('first', b.q, b.q, 0, b.i = 1 AND b.is_first),
        ('pair', b.q1, b.q, 0, b.q1 IS NOT NULL),
        ('triple', b.q2, b.q, 0, b.q2 IS NOT NULL),
        ('cohort', b.qf, b.q, b.revenue, true)) AS k(metric, x, y, revenue, counts)
    WHERE k.counts
    GROUP BY 1, 2, 3
    $q$ USING ws, ev, users, added_users, added_at, added_ids, added_revenue;
END
$fn$;
-- +goose StatementEnd

-- +goose StatementBegin
-- tabiji_count_purchases adds sign (1 or -1) times what the customers
-- users count to the counters of event ev, in key order.
CREATE FUNCTION tabiji_count_purchases(ws text, ev text, users text[], sign int) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO purchase_counters AS c (workspace_id, event, metric, x, y, n, revenue)
    SELECT ws, ev, p.metric, p.x, p.y, sign * p.n, sign * p.revenue
    FROM tabiji_purchase_contributions(ws, ev, users, '{}', '{}', '{}', '{}') p
    ORDER BY 3, 4, 5
    ON CONFLICT (workspace_id, event, metric, x, y, shard) DO UPDATE SET n = c.n + excluded.n, revenue = c.revenue + excluded.revenue
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- tabiji_rebuild_purchase_counters counts the workspace's purchases (event
-- ev) from its events, as ingestion would have (the benchmarks' seeds).
CREATE FUNCTION tabiji_rebuild_purchase_counters(ws text, ev text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM purchase_counters WHERE workspace_id = ws AND event = ev;
    SELECT tabiji_count_purchases(ws, ev, (SELECT COALESCE(array_agg(user_id), '{}') FROM event_rollups
        WHERE workspace_id = ws AND event = ev AND track_first_at IS NOT NULL), 1);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- tabiji_lock_purchasers takes, until the transaction ends, the lock on
-- each customer that users (ids in workspaces wss, merged ids too) name:
-- whoever changes a customer's purchases (ingestion, a merge, an erasure)
-- holds it, so that each reads the purchases the one before it stored
-- and counts the difference it makes once. Locks are taken in key order;
-- a merge that committed while this waited moves an id to another
-- customer, which is then locked too.
CREATE FUNCTION tabiji_lock_purchasers(wss text[], users text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    held bigint[] := '{}';
    wanted bigint[];
BEGIN
    LOOP
        SELECT COALESCE(array_agg(DISTINCT k ORDER BY k), '{}') INTO wanted FROM (
            SELECT hashtextextended('purchases/' || v.ws || '/' || COALESCE(pi.profile_id, v.u), 0) AS k
            FROM unnest(wss, users) AS v(ws, u)
            LEFT JOIN profile_identities pi ON pi.workspace_id = v.ws AND pi.alias_id = v.u) keys
        WHERE NOT k = ANY(held);
        EXIT WHEN cardinality(wanted) = 0;
        PERFORM pg_advisory_xact_lock(k) FROM unnest(wanted) AS k; -- in the array's order
        held := held || wanted;
    END LOOP;
END
$$;
-- +goose StatementEnd

SELECT tabiji_rebuild_purchase_counters(w.workspace_id, 'purchase')
FROM (SELECT DISTINCT workspace_id FROM event_rollups WHERE event = 'purchase' AND track_first_at IS NOT NULL) w;

-- +goose Down

DROP FUNCTION tabiji_lock_purchasers(text[], text[]);
DROP FUNCTION tabiji_rebuild_purchase_counters(text, text);
DROP FUNCTION tabiji_count_purchases(text, text, text[], int);
DROP FUNCTION tabiji_purchase_contributions(text, text, text[], text[], timestamptz[], text[], numeric[]);
DROP TABLE purchase_counters;
