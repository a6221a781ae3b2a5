-- +goose Up

-- Events become append-only and partitioned by the month they were
-- received (not by their own timestamp: a Segment import may carry any date,
-- while received_at only moves forward, so the partitions made ahead are the
-- ones that fill). A partitioned table cannot hold a unique index without its
-- partition key, so the once-per-messageId rule and the routing state live in
-- event_ids, small and unpartitioned.

ALTER TABLE events RENAME TO events_0001;
ALTER INDEX events_pkey RENAME TO events_0001_pkey;
ALTER INDEX events_user_idx RENAME TO events_0001_user_idx;
ALTER INDEX events_unrouted_idx RENAME TO events_0001_unrouted_idx;

CREATE TABLE event_ids (
    workspace_id text        NOT NULL,
    message_id   text        NOT NULL,
    received_at  timestamptz NOT NULL,
    routed_at    timestamptz, -- null until every journey run that uses the event was signalled
    PRIMARY KEY (workspace_id, message_id)
);

-- What the sweeper re-routes: stays small, as routing sets routed_at.
CREATE INDEX event_ids_unrouted_idx ON event_ids (received_at) WHERE routed_at IS NULL;

CREATE TABLE events (
    workspace_id text        NOT NULL,
    message_id   text        NOT NULL,
    type         text        NOT NULL DEFAULT 'track'
                             CHECK (type IN ('track', 'identify', 'page', 'screen', 'group', 'alias')),
    user_id      text        NOT NULL, -- the canonical customer id: follows identity merges
    anonymous_id text        NOT NULL DEFAULT '',
    event        text        NOT NULL DEFAULT '', -- track: the event; page/screen: the name
    properties   jsonb       NOT NULL DEFAULT '{}',
    traits       jsonb       NOT NULL DEFAULT '{}',
    context      jsonb       NOT NULL DEFAULT '{}',
    group_id     text        NOT NULL DEFAULT '',
    previous_id  text        NOT NULL DEFAULT '',
    violations   jsonb, -- taxonomy findings of an event allowed in despite them
    timestamp    timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, message_id, received_at)
) PARTITION BY RANGE (received_at);

CREATE INDEX events_user_idx ON events (workspace_id, user_id, timestamp DESC, message_id DESC);
CREATE INDEX events_name_idx ON events (workspace_id, event, timestamp);

-- Catches rows of a month whose partition is missing, so an insert never
-- fails for want of one; tabiji_event_partitions moves them out.
CREATE TABLE events_default PARTITION OF events DEFAULT;

-- tabiji_event_partitions makes sure the months from the one holding
-- from_time to months_ahead after it have their partitions, moving any rows
-- the default partition caught for a month into its new partition.
-- +goose StatementBegin
CREATE FUNCTION tabiji_event_partitions(from_time timestamptz, months_ahead int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', from_time AT TIME ZONE 'UTC')::date;
    lo    date;
    hi    date;
    name  text;
BEGIN
    FOR i IN 0..months_ahead LOOP
        lo := first + make_interval(months => i);
        hi := lo + interval '1 month';
        name := 'events_' || to_char(lo, 'YYYY_MM');
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        -- Two processes may get here at once: the lock makes the second wait, then see the table.
        PERFORM pg_advisory_xact_lock(hashtext('tabiji_event_partitions'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('WITH moved AS (DELETE FROM events_default WHERE received_at >= %L AND received_at < %L RETURNING *)
                        INSERT INTO %I SELECT * FROM moved',
                       lo::timestamp AT TIME ZONE 'UTC', hi::timestamp AT TIME ZONE 'UTC', name);
        EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       name, lo::timestamp AT TIME ZONE 'UTC', hi::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END
$$;
-- +goose StatementEnd

SELECT tabiji_event_partitions(now(), 3);

-- Move the rows of 00001's table; their months get partitions too.
SELECT tabiji_event_partitions(m, 0)
FROM (SELECT DISTINCT date_trunc('month', received_at) AS m FROM events_0001) months;

INSERT INTO event_ids (workspace_id, message_id, received_at, routed_at)
SELECT workspace_id, message_id, received_at, routed_at FROM events_0001;

INSERT INTO events (workspace_id, message_id, type, user_id, event, properties, context, timestamp, received_at)
SELECT workspace_id, message_id, type, user_id, event, properties, context, timestamp, received_at FROM events_0001;

DROP TABLE events_0001;

-- A profile is one customer of a workspace, under its canonical id: the
-- userId, or the anonymousId while there is none. Addresses and time zone
-- are columns (read from traits and context) so channels can look them up.
CREATE TABLE profiles (
    workspace_id     text        NOT NULL,
    id               text        NOT NULL,
    traits           jsonb       NOT NULL DEFAULT '{}',
    trait_updated_at jsonb       NOT NULL DEFAULT '{}', -- trait name → RFC 3339 time of its value
    tags             text[]      NOT NULL DEFAULT '{}',
    email            text        NOT NULL DEFAULT '',
    phone            text        NOT NULL DEFAULT '',
    line_user_id     text        NOT NULL DEFAULT '',
    push_tokens      text[]      NOT NULL DEFAULT '{}',
    timezone         text        NOT NULL DEFAULT '',
    locale           text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

CREATE INDEX profiles_email_idx ON profiles (workspace_id, email) WHERE email <> '';
CREATE INDEX profiles_line_idx ON profiles (workspace_id, line_user_id) WHERE line_user_id <> '';

-- Ids merged into a profile: anonymousIds on identify, previousIds on alias.
CREATE TABLE profile_identities (
    workspace_id text        NOT NULL,
    alias_id     text        NOT NULL,
    profile_id   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, alias_id),
    FOREIGN KEY (workspace_id, profile_id) REFERENCES profiles (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX profile_identities_profile_idx ON profile_identities (workspace_id, profile_id);

-- One row per erasure, without personal data: the id only as a salted hash.
CREATE TABLE erasures (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id   text        NOT NULL,
    subject_hash   text        NOT NULL, -- hex sha256(salt || id)
    salt           bytea       NOT NULL,
    counts         jsonb       NOT NULL, -- rows removed, per table
    runs_ended     int         NOT NULL DEFAULT 0,
    actor_key_id   text        NOT NULL DEFAULT '',
    erased_at      timestamptz NOT NULL DEFAULT now()
);

-- +goose Down

DROP TABLE erasures;
DROP TABLE profile_identities;
DROP TABLE profiles;

CREATE TABLE events_0001 (
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

INSERT INTO events_0001
SELECT e.workspace_id, e.message_id, e.type, e.user_id, e.event, e.properties, e.context, e.timestamp,
       e.received_at, i.routed_at
FROM events e JOIN event_ids i USING (workspace_id, message_id);

DROP TABLE events;
DROP TABLE event_ids;
DROP FUNCTION tabiji_event_partitions(timestamptz, int);

ALTER TABLE events_0001 RENAME TO events;
ALTER INDEX events_0001_pkey RENAME TO events_pkey;
CREATE INDEX events_user_idx ON events (workspace_id, user_id, timestamp DESC);
CREATE INDEX events_unrouted_idx ON events (workspace_id, received_at) WHERE routed_at IS NULL;
