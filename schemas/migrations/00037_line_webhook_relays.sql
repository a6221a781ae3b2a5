-- +goose Up

-- The LINE webhook relay's outbox: each verified LINE webhook body, once
-- per endpoint of the shop's relayUrls setting, written before Tabiji
-- answers LINE and delivered (re-signed) by the relay afterwards, so a
-- crash or a slow endpoint loses nothing and holds up nothing. The body is
-- dropped once delivered or given up; the row stays a week so that the
-- same body (a client's retry) is not relayed twice.
CREATE TABLE line_webhook_relays (
    id           bigserial   PRIMARY KEY,
    workspace_id text        NOT NULL,
    url          text        NOT NULL,
    body_sha256  bytea       NOT NULL,
    body         bytea,
    received_at  timestamptz NOT NULL DEFAULT now(),
    attempts     int         NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    failed_at    timestamptz,
    last_error   text        NOT NULL DEFAULT '',
    UNIQUE (workspace_id, url, body_sha256)
);
CREATE INDEX line_webhook_relays_due ON line_webhook_relays (next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- +goose Down

DROP TABLE line_webhook_relays;
