-- +goose Up

-- What APPI (個人情報保護法) and the GDPR ask of a workspace, per workspace:
-- how long events and the message history are kept (NULL: until the
-- customer is erased), how long records of third-party provision are kept
-- (APPI art. 30: three years for most), and the purposes of use that the
-- preference page shows. A workspace without a row has the defaults.
CREATE TABLE privacy_settings (
    workspace_id               text        PRIMARY KEY,
    event_retention_months     int         CHECK (event_retention_months BETWEEN 1 AND 1200),
    message_retention_months   int         CHECK (message_retention_months BETWEEN 1 AND 1200),
    provision_retention_months int         NOT NULL DEFAULT 36 CHECK (provision_retention_months BETWEEN 12 AND 1200),
    purposes_ja                text        NOT NULL DEFAULT '',
    purposes_en                text        NOT NULL DEFAULT '',
    updated_at                 timestamptz NOT NULL DEFAULT now()
);

-- One row per webhook step that sent a customer's data to a third party:
-- when, to whom, whose data and which items (the body's field paths, not
-- their values). step_key is the webhook's idempotency key, so a retried
-- step is recorded once.
CREATE TABLE provision_records (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id text        NOT NULL,
    step_key     text        NOT NULL,
    customer_id  text        NOT NULL,
    journey_id   text        NOT NULL DEFAULT '',
    recipient    text        NOT NULL, -- the node's named recipient, or the URL's host
    host         text        NOT NULL,
    items        text[]      NOT NULL DEFAULT '{}',
    provided_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, step_key)
);

CREATE INDEX provision_records_customer_idx ON provision_records (workspace_id, customer_id, provided_at);
CREATE INDEX provision_records_time_idx ON provision_records (workspace_id, provided_at, id);

-- +goose Down

DROP TABLE provision_records;
DROP TABLE privacy_settings;
