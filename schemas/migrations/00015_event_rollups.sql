-- +goose Up

-- What segments ask of a customer's events of one name over all time (how
-- many, the first and last time, the sum and number of each numeric
-- property), kept per (workspace, customer, event) by the statement that
-- stores events, moved by identity merges and removed by erasure. A
-- segment condition without property filters or a between-window reads
-- one row per customer here instead of every event (segments.Compile).
CREATE TABLE event_rollups (
    workspace_id text        NOT NULL,
    user_id      text        NOT NULL,
    event        text        NOT NULL,
    count        bigint      NOT NULL CHECK (count > 0),
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    sums         jsonb       NOT NULL DEFAULT '{}', -- numeric property → sum of its values
    nums         jsonb       NOT NULL DEFAULT '{}', -- numeric property → how many events had a number there
    PRIMARY KEY (workspace_id, user_id, event)
);

CREATE INDEX event_rollups_event_idx ON event_rollups (workspace_id, event, user_id) INCLUDE (count, first_at, last_at);

-- The time zones this server knows, read once: pg_timezone_names reads
-- the zone files on every query (100-200 ms), and a segment checks each
-- customer's zone before using it (segments.Compile). A zone that a later
-- tzdata adds counts as unknown (the segment's zone is used) until this
-- table is refreshed with the same INSERT.
CREATE TABLE time_zones (name text PRIMARY KEY);
INSERT INTO time_zones SELECT DISTINCT name FROM pg_timezone_names;

-- tabiji_add_numbers adds two objects of numbers key by key.
-- +goose StatementBegin
CREATE FUNCTION tabiji_add_numbers(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN b = '{}' THEN a WHEN a = '{}' THEN b ELSE (
        SELECT jsonb_object_agg(key, total) FROM (
            SELECT key, sum(value::numeric) AS total
            FROM (SELECT key, value FROM jsonb_each(a) UNION ALL SELECT key, value FROM jsonb_each(b)) kv
            GROUP BY key) s)
    END
$$;
-- +goose StatementEnd

-- tabiji_rebuild_event_rollups recomputes a workspace's rollups from its events.
-- +goose StatementBegin
CREATE FUNCTION tabiji_rebuild_event_rollups(ws text) RETURNS void
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

SELECT tabiji_rebuild_event_rollups(id) FROM workspaces;

-- +goose Down

DROP FUNCTION tabiji_rebuild_event_rollups(text);
DROP FUNCTION tabiji_add_numbers(jsonb, jsonb);
DROP TABLE time_zones;
DROP TABLE event_rollups;
