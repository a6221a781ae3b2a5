-- +goose Up

CREATE TABLE workspaces (
    id         text        PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           text        PRIMARY KEY, -- short public id, key_…
    workspace_id text        NOT NULL REFERENCES workspaces (id),
    role         text        NOT NULL CHECK (role IN ('write', 'admin')),
    name         text        NOT NULL DEFAULT '',
    secret_hash  bytea       NOT NULL UNIQUE, -- sha256 of the secret, which is never stored
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at);

CREATE TABLE journeys (
    workspace_id   text        NOT NULL REFERENCES workspaces (id),
    id             text        NOT NULL,
    name           text        NOT NULL,
    status         text        NOT NULL DEFAULT 'draft'
                               CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    latest_version int         NOT NULL CHECK (latest_version >= 1),
    active_version int         CHECK (active_version BETWEEN 1 AND latest_version),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CHECK (status <> 'active' OR active_version IS NOT NULL)
);

CREATE TABLE journey_versions (
    workspace_id text        NOT NULL,
    journey_id   text        NOT NULL,
    version      int         NOT NULL CHECK (version >= 1),
    definition   jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, journey_id, version),
    FOREIGN KEY (workspace_id, journey_id) REFERENCES journeys (workspace_id, id)
);

-- events and messages take the bulk of the writes: they carry workspace_id
-- without a foreign key, so that every insert does not lock its workspace
-- row (FOR KEY SHARE on one hot row turns into MultiXact churn under load).
-- The API writes them only for the workspace of an authenticated key.

CREATE TABLE events (
    workspace_id text        NOT NULL,
    message_id   text        NOT NULL,
    type         text        NOT NULL DEFAULT 'track',
    user_id      text        NOT NULL,
    event        text        NOT NULL,
    properties   jsonb       NOT NULL DEFAULT '{}',
    context      jsonb       NOT NULL DEFAULT '{}',
    timestamp    timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    routed_at    timestamptz,
    PRIMARY KEY (workspace_id, message_id)
);

CREATE INDEX events_user_idx ON events (workspace_id, user_id, timestamp DESC);

-- What the sweeper re-routes: stays small, as routing sets routed_at.
CREATE INDEX events_unrouted_idx ON events (workspace_id, received_at) WHERE routed_at IS NULL;

CREATE TABLE messages (
    id              text        PRIMARY KEY, -- deterministic, from run and step
    workspace_id    text        NOT NULL,
    customer_id     text        NOT NULL,
    journey_id      text        NOT NULL,
    journey_version int         NOT NULL,
    workflow_id     text        NOT NULL,
    run_id          text        NOT NULL,
    node_id         text        NOT NULL,
    channel         text        NOT NULL,
    subject         text        NOT NULL DEFAULT '',
    body            text        NOT NULL DEFAULT '',
    status          text        NOT NULL DEFAULT 'recorded',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- id ends each index so that listing pages by (created_at, id) reads the index in order.
CREATE INDEX messages_workspace_idx ON messages (workspace_id, created_at, id);
CREATE INDEX messages_customer_idx ON messages (workspace_id, customer_id, created_at, id);
CREATE INDEX messages_channel_idx ON messages (workspace_id, channel, created_at, id);

-- +goose Down

DROP TABLE messages;
DROP TABLE events;
DROP TABLE journey_versions;
DROP TABLE journeys;
DROP TABLE api_keys;
DROP TABLE workspaces;
