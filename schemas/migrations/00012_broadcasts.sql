-- +goose Up

-- Broadcasts: one message (a stored template or inline content) to a
-- segment on a channel, now or at send_at. One Temporal workflow per
-- broadcast does the sending; this row holds what to send and its status.
-- Progress (sent, failed, skipped by reason) is counted from the messages
-- the broadcast wrote, so a retried batch can never count twice.
CREATE TABLE broadcasts (
    workspace_id text        NOT NULL,
    id           text        NOT NULL,
    name         text        NOT NULL,
    segment_id   text        NOT NULL,
    channel      text        NOT NULL,
    template_id  text        NOT NULL DEFAULT '',   -- a stored message template, or
    content      jsonb,                             -- inline content in the template format
    topic        text        NOT NULL DEFAULT '',   -- consent topic ('' = the channel as a whole)
    quiet_hours  jsonb,                             -- {"start","end","timezone"}; none when null
    status       text        NOT NULL DEFAULT 'draft'
                 CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled', 'failed')),
    send_at      timestamptz,
    audience     int         NOT NULL DEFAULT 0,    -- segment members counted when sending began
    error        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (workspace_id, id)
);

CREATE INDEX broadcasts_list_idx ON broadcasts (workspace_id, created_at, id);

-- The broadcast a message belongs to ('' for journey messages); progress
-- counts by it.
ALTER TABLE messages ADD COLUMN broadcast_id text NOT NULL DEFAULT '';
CREATE INDEX messages_broadcast_idx ON messages (workspace_id, broadcast_id, status) WHERE broadcast_id <> '';

-- Customers a broadcast holds back until their quiet hours end (in their
-- own time zone); the workflow sends them when the earliest "until" comes.
CREATE TABLE broadcast_deferrals (
    workspace_id text        NOT NULL,
    broadcast_id text        NOT NULL,
    customer_id  text        NOT NULL,
    until        timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, broadcast_id, customer_id)
);

-- +goose Down

DROP TABLE broadcast_deferrals;
DROP INDEX messages_broadcast_idx;
ALTER TABLE messages DROP COLUMN broadcast_id;
DROP TABLE broadcasts;
