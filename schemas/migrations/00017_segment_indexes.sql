-- +goose Up

-- Segments read events of one name over a time window, and rollups of one
-- event name: with the customer id (and the rollup's figures) in the
-- index, both are index-only scans, not a visit to every heap page the
-- rows are spread over (10% of the events are purchases, on every page).
CREATE INDEX events_name_user_idx ON events (workspace_id, event, timestamp) INCLUDE (user_id);
DROP INDEX events_name_idx;

CREATE INDEX event_rollups_covering_idx ON event_rollups (workspace_id, event, user_id)
    INCLUDE (count, first_at, last_at, sums, nums);
DROP INDEX event_rollups_event_idx;

-- +goose Down

CREATE INDEX event_rollups_event_idx ON event_rollups (workspace_id, event, user_id) INCLUDE (count, first_at, last_at);
DROP INDEX event_rollups_covering_idx;
CREATE INDEX events_name_idx ON events (workspace_id, event, timestamp);
DROP INDEX events_name_user_idx;
