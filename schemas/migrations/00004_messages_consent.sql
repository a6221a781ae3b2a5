-- +goose Up

-- What happens to a message after it is sent (provider webhooks), what each
-- customer agreed to receive, and which addresses must never be sent to.

-- messages.status is kept current from message_events (the highest-ranked
-- status seen: a late "delivered" does not hide an "opened").
ALTER TABLE messages
    ADD COLUMN provider_id text        NOT NULL DEFAULT '',
    ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now();

-- The message log per journey (per customer is messages_customer_idx).
CREATE INDEX messages_journey_idx ON messages (workspace_id, journey_id, created_at, id);

-- One row per provider event: event_id is the provider's id of the event
-- (SendGrid sg_event_id, LINE webhookEventId), so a retried webhook delivery
-- is recorded once.
CREATE TABLE message_events (
    workspace_id   text        NOT NULL,
    event_id       text        NOT NULL,
    message_id     text        NOT NULL,
    status         text        NOT NULL,
    provider_event text        NOT NULL,
    at             timestamptz NOT NULL,
    detail         jsonb       NOT NULL DEFAULT '{}',
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, event_id)
);

CREATE INDEX message_events_message_idx ON message_events (workspace_id, message_id, at);

-- Consent per customer, channel and topic ('' = the channel as a whole).
CREATE TABLE consent (
    workspace_id text        NOT NULL,
    customer_id  text        NOT NULL,
    channel      text        NOT NULL,
    topic        text        NOT NULL DEFAULT '',
    status       text        NOT NULL CHECK (status IN ('opted_in', 'opted_out')),
    source       text        NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, customer_id, channel, topic)
);

-- Every change of consent, for proof of opt-in and audits.
CREATE TABLE consent_history (
    id           bigserial   PRIMARY KEY,
    workspace_id text        NOT NULL,
    customer_id  text        NOT NULL,
    channel      text        NOT NULL,
    topic        text        NOT NULL,
    status       text        NOT NULL,
    source       text        NOT NULL,
    at           timestamptz NOT NULL
);

CREATE INDEX consent_history_customer_idx ON consent_history (workspace_id, customer_id, at);

-- Addresses not to send to on a channel, whoever the customer is.
CREATE TABLE suppressions (
    workspace_id text        NOT NULL,
    channel      text        NOT NULL,
    address      text        NOT NULL,
    reason       text        NOT NULL CHECK (reason IN ('hard_bounce', 'spam_report', 'unsubscribe', 'line_unfollow', 'invalid')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, channel, address)
);

-- Provider webhook events handled (LINE webhookEventId, SendGrid sg_event_id
-- of events about no Tabiji message), so a redelivery changes nothing twice.
CREATE TABLE webhook_receipts (
    workspace_id text        NOT NULL,
    provider     text        NOT NULL,
    event_id     text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider, event_id)
);

-- +goose Down

DROP TABLE webhook_receipts;
DROP TABLE suppressions;
DROP TABLE consent_history;
DROP TABLE consent;
DROP TABLE message_events;
DROP INDEX messages_journey_idx;
ALTER TABLE messages DROP COLUMN updated_at, DROP COLUMN provider_id;
