-- +goose Up

-- The event debugger's calls: the latest calls each workspace received,
-- with the pipeline's verdict on each (stored, duplicate, rejected,
-- quarantined, dropped) and why. The pipeline writes a batch's rows in the
-- statement that stores its events (store.InsertEvents), so a call costs no
-- extra round trip; the sweeper keeps the latest rows of each workspace
-- (store.RecentCallsKept) and none older than store.RecentCallsMaxAge.
-- A stored call keeps no payload here: the debugger reads it from events,
-- so an erased customer's stored calls show none; erasure deletes the
-- customer's rows (store/erasure.go).
CREATE TABLE recent_calls (
    workspace_id text        NOT NULL,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    verdict      text        NOT NULL CHECK (verdict IN ('stored', 'duplicate', 'rejected', 'quarantined', 'dropped')),
    reason       text        NOT NULL DEFAULT '',
    type         text        NOT NULL DEFAULT '',
    event        text        NOT NULL DEFAULT '',
    user_id      text        NOT NULL DEFAULT '',
    anonymous_id text        NOT NULL DEFAULT '',
    message_id   text        NOT NULL DEFAULT '',
    key_id       text        NOT NULL DEFAULT '',
    library      text        NOT NULL DEFAULT '',
    payload      jsonb,
    truncated    boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (workspace_id, seq)
);

-- +goose Down
DROP TABLE recent_calls;
