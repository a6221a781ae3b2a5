-- +goose Up

-- The taxonomy: each workspace's design sheet (taxonomy.Taxonomy), what
-- ingestion checks events and traits against, and what it keeps aside.

CREATE TABLE taxonomy_settings (
    workspace_id   text        PRIMARY KEY REFERENCES workspaces (id),
    unknown_events text        NOT NULL CHECK (unknown_events IN ('reject', 'quarantine', 'allow')),
    invalid_traits text        NOT NULL CHECK (invalid_traits IN ('reject', 'quarantine', 'allow')),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_definitions (
    workspace_id text        NOT NULL REFERENCES workspaces (id),
    name         text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    owner        text        NOT NULL DEFAULT '',
    status       text        NOT NULL CHECK (status IN ('active', 'deprecated', 'blocked')),
    on_invalid   text        NOT NULL CHECK (on_invalid IN ('reject', 'quarantine', 'allow')),
    strict       boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE event_property_definitions (
    workspace_id text    NOT NULL,
    event_name   text    NOT NULL,
    name         text    NOT NULL,
    type         text    NOT NULL
                         CHECK (type IN ('string', 'number', 'integer', 'boolean', 'timestamp', 'object', 'array')),
    required     boolean NOT NULL DEFAULT false,
    enum         text[]  NOT NULL DEFAULT '{}',
    format       text    NOT NULL DEFAULT '' CHECK (format IN ('', 'email', 'url', 'currency')),
    pii          boolean NOT NULL DEFAULT false,
    description  text    NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, event_name, name),
    FOREIGN KEY (workspace_id, event_name) REFERENCES event_definitions (workspace_id, name) ON DELETE CASCADE
);

CREATE TABLE user_property_definitions (
    workspace_id text        NOT NULL REFERENCES workspaces (id),
    name         text        NOT NULL,
    type         text        NOT NULL
                             CHECK (type IN ('string', 'number', 'integer', 'boolean', 'timestamp', 'object', 'array')),
    enum         text[]      NOT NULL DEFAULT '{}',
    format       text        NOT NULL DEFAULT '' CHECK (format IN ('', 'email', 'url', 'currency')),
    pii          boolean     NOT NULL DEFAULT false,
    description  text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, name)
);

-- Events kept aside by the quarantine policy: the whole event as received
-- (or as fixed since), its violations, until it is replayed or dropped.
-- Like events, no foreign key: a burst of bad events must not lock the
-- workspace row.
CREATE TABLE quarantined_events (
    workspace_id text        NOT NULL,
    message_id   text        NOT NULL,
    event_name   text        NOT NULL DEFAULT '',
    event        jsonb       NOT NULL,
    violations   jsonb       NOT NULL,
    status       text        NOT NULL DEFAULT 'quarantined' CHECK (status IN ('quarantined', 'fixed')),
    received_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, message_id)
);

CREATE INDEX quarantined_events_list_idx ON quarantined_events (workspace_id, received_at, message_id);

-- How many events were dropped, per workspace, day (UTC), event and reason
-- (blocked, quarantine_dropped): counted, never stored.
CREATE TABLE dropped_events (
    workspace_id text   NOT NULL,
    day          date   NOT NULL,
    event_name   text   NOT NULL,
    reason       text   NOT NULL,
    count        bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (workspace_id, day, event_name, reason)
);

-- +goose Down

DROP TABLE dropped_events;
DROP TABLE quarantined_events;
DROP TABLE user_property_definitions;
DROP TABLE event_property_definitions;
DROP TABLE event_definitions;
DROP TABLE taxonomy_settings;
