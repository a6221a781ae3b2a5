-- +goose Up

-- The first time each customer sent a track call of each name, beside
-- the rollup of every call of the name (page and screen calls carry a
-- name too, and count in first_at). The dashboard's new customers are
-- those whose first purchase (a track call) falls in the period: read
-- here in the period's range, instead of grouping every purchase ever made
-- by customer (store.Dashboard; 4 s a period at 500,000 purchases). The
-- statement that stores events keeps it (store/events.go), identity
-- merges keep the earlier, erasure removes it with the row.
ALTER TABLE event_rollups ADD COLUMN track_first_at timestamptz;

UPDATE event_rollups r SET track_first_at = t.first_at
FROM (SELECT workspace_id, user_id, event, min(timestamp) AS first_at FROM events
      WHERE type = 'track' AND event <> '' GROUP BY 1, 2, 3) t
WHERE r.workspace_id = t.workspace_id AND r.user_id = t.user_id AND r.event = t.event;

CREATE INDEX event_rollups_track_first_idx ON event_rollups (workspace_id, event, track_first_at) INCLUDE (user_id)
    WHERE track_first_at IS NOT NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tabiji_rebuild_event_rollups(ws text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM event_rollups WHERE workspace_id = ws;
    WITH num AS (
        SELECT e.user_id, e.event, kv.key, sum(kv.value::numeric) AS total, count(*) AS n
        FROM events e CROSS JOIN LATERAL jsonb_each(e.properties) kv
        WHERE e.workspace_id = ws AND e.event <> '' AND jsonb_typeof(kv.value) = 'number'
        GROUP BY 1, 2, 3
    ), agg AS (
        SELECT user_id, event, jsonb_object_agg(key, total) AS sums, jsonb_object_agg(key, n) AS nums
        FROM num GROUP BY 1, 2
    ), base AS (
        SELECT user_id, event, count(*) AS count, min(timestamp) AS first_at, max(timestamp) AS last_at,
            min(timestamp) FILTER (WHERE type = 'track') AS track_first_at
        FROM events WHERE workspace_id = ws AND event <> '' GROUP BY 1, 2
    )
    INSERT INTO event_rollups (workspace_id, user_id, event, count, first_at, last_at, sums, nums, track_first_at)
    SELECT ws, b.user_id, b.event, b.count, b.first_at, b.last_at, COALESCE(a.sums, '{}'), COALESCE(a.nums, '{}'), b.track_first_at
    FROM base b LEFT JOIN agg a USING (user_id, event);
$$;
-- +goose StatementEnd

-- +goose Down

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tabiji_rebuild_event_rollups(ws text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM event_rollups WHERE workspace_id = ws;
    WITH num AS (
        SELECT e.user_id, e.event, kv.key, sum(kv.value::numeric) AS total, count(*) AS n
        FROM events e CROSS JOIN LATERAL jsonb_each(e.properties) kv
        WHERE e.workspace_id = ws AND e.event <> '' AND jsonb_typeof(kv.value) = 'number'
        GROUP BY 1, 2, 3
    ), agg AS (
        SELECT user_id, event, jsonb_object_agg(key, total) AS sums, jsonb_object_agg(key, n) AS nums
        FROM num GROUP BY 1, 2
    ), base AS (
        SELECT user_id, event, count(*) AS count, min(timestamp) AS first_at, max(timestamp) AS last_at
        FROM events WHERE workspace_id = ws AND event <> '' GROUP BY 1, 2
    )
    INSERT INTO event_rollups (workspace_id, user_id, event, count, first_at, last_at, sums, nums)
    SELECT ws, b.user_id, b.event, b.count, b.first_at, b.last_at, COALESCE(a.sums, '{}'), COALESCE(a.nums, '{}')
    FROM base b LEFT JOIN agg a USING (user_id, event);
$$;
-- +goose StatementEnd

DROP INDEX event_rollups_track_first_idx;
ALTER TABLE event_rollups DROP COLUMN track_first_at;
