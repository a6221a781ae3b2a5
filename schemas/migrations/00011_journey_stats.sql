-- +goose Up

-- Journey statistics. Runs live in Temporal; these tables are what each run
-- reports of itself (through the RecordRun local activity), so statistics
-- never have to ask Temporal. Every row is keyed by the run and the step,
-- so a retried or replayed report changes nothing twice.

-- The workspace's time zone: daily series are cut at its midnights.
ALTER TABLE workspaces ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';

-- One row per run (run_key = workflow ID + '/' + first run ID: the same
-- across continue-as-new).
CREATE TABLE journey_runs (
    workspace_id  text        NOT NULL,
    run_key       text        NOT NULL,
    journey_id    text        NOT NULL,
    version       int         NOT NULL,
    customer_id   text        NOT NULL,
    workflow_id   text        NOT NULL,
    entered_at    timestamptz NOT NULL,
    exited_at     timestamptz,
    exit_reason   text        NOT NULL DEFAULT '',
    holdout       boolean     NOT NULL DEFAULT false,
    converted_at  timestamptz, -- the first conversion
    PRIMARY KEY (workspace_id, run_key)
);

CREATE INDEX journey_runs_journey_idx ON journey_runs (workspace_id, journey_id, entered_at);
-- What is in progress: small when most runs have ended.
CREATE INDEX journey_runs_open_idx ON journey_runs (workspace_id, journey_id, version, entered_at)
    WHERE exited_at IS NULL;

-- One row per node a run entered (seq counts the run's steps from 1).
CREATE TABLE journey_run_steps (
    workspace_id text        NOT NULL,
    run_key      text        NOT NULL,
    seq          int         NOT NULL,
    node_id      text        NOT NULL,
    kind         text        NOT NULL,
    entered_at   timestamptz NOT NULL,
    next_node    text,        -- NULL while the run is at the node, '' when it ended there
    variant      text,        -- the variant a split assigned
    PRIMARY KEY (workspace_id, run_key, seq)
);

-- One row per goal event within the attribution window.
CREATE TABLE journey_conversions (
    workspace_id text           NOT NULL,
    run_key      text           NOT NULL,
    message_id   text           NOT NULL, -- the goal event's messageId
    journey_id   text           NOT NULL,
    customer_id  text           NOT NULL,
    converted_at timestamptz    NOT NULL,
    revenue      numeric(18, 4) NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, run_key, message_id)
);

CREATE INDEX journey_conversions_journey_idx ON journey_conversions (workspace_id, journey_id, converted_at);

-- Incremental counters: what the stats read. Each fact above (and each
-- message sent, opened, …) adds 1 to a counter in the same transaction that
-- stores it, in a 15-minute bucket of the fact's time (every zone's
-- midnight falls on a quarter hour). metric/node/key:
--   entered ''/''  holdout ''/''  exited ''/reason  converted ''/''
--   conversions ''/'' (amount: revenue)  node node/kind  edge node/next
--   variant split/variant  variant_converted split/variant
--   variant_conversions split/variant (amount: revenue)
--   sent, delivered, opened, clicked, bounced, unsubscribed node/channel
--   channel_converted ''/channel
CREATE TABLE journey_stat_counters (
    workspace_id text           NOT NULL,
    journey_id   text           NOT NULL,
    metric       text           NOT NULL,
    node         text           NOT NULL DEFAULT '',
    key          text           NOT NULL DEFAULT '',
    version      int            NOT NULL,
    bucket       timestamptz    NOT NULL,
    n            bigint         NOT NULL DEFAULT 0,
    amount       numeric(18, 4) NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, journey_id, metric, node, key, version, bucket)
);

CREATE INDEX journey_stat_counters_bucket_idx ON journey_stat_counters (workspace_id, bucket, metric);

-- Which message metrics were counted, so each message counts once per
-- metric however many events report it.
CREATE TABLE message_stat_flags (
    workspace_id text NOT NULL,
    message_id   text NOT NULL,
    metric       text NOT NULL,
    PRIMARY KEY (workspace_id, message_id, metric)
);

-- +goose StatementBegin
-- event_revenue is an event's revenue as journey.Revenue reads it: the first
-- of properties revenue, total, value holding a number (or numeric string).
CREATE FUNCTION event_revenue(p jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(
        (SELECT CASE jsonb_typeof(p -> k) WHEN 'number' THEN (p ->> k)::numeric
                     WHEN 'string' THEN CASE WHEN (p ->> k) ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                                             THEN (p ->> k)::numeric END END
         FROM unnest(ARRAY['revenue', 'total', 'value']) WITH ORDINALITY AS t(k, i)
         WHERE CASE jsonb_typeof(p -> k) WHEN 'number' THEN true
                    WHEN 'string' THEN (p ->> k) ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
                    ELSE false END
         ORDER BY i LIMIT 1), 0)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION journey_stat_bump(ws text, jr text, met text, nd text, k text, ver int, at timestamptz, amt numeric)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO journey_stat_counters (workspace_id, journey_id, metric, node, key, version, bucket, n, amount)
    VALUES (ws, jr, met, nd, k, ver, date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00'), 1, amt)
    ON CONFLICT (workspace_id, journey_id, metric, node, key, version, bucket)
    DO UPDATE SET n = journey_stat_counters.n + 1, amount = journey_stat_counters.amount + EXCLUDED.amount
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- message_stat_count counts metric for a journey message the first time it is seen.
CREATE FUNCTION message_stat_count(ws text, msg text, met text, at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    m record;
BEGIN
    SELECT journey_id, journey_version, node_id, channel INTO m
    FROM messages WHERE id = msg AND workspace_id = ws;
    IF NOT FOUND OR m.journey_id = '' THEN
        RETURN;
    END IF;
    INSERT INTO message_stat_flags (workspace_id, message_id, metric) VALUES (ws, msg, met)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        PERFORM journey_stat_bump(ws, m.journey_id, met, m.node_id, m.channel, m.journey_version, at, 0);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A message stored by the development outbox ('recorded') or already sent counts as sent.
CREATE FUNCTION messages_stat_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('recorded', 'sent') THEN
        PERFORM message_stat_count(NEW.workspace_id, NEW.id, 'sent', NEW.created_at);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Provider events, by the status they map to: a click is also an open
-- (images blocked, the link still followed), and any sign of the message
-- after the provider took it means it was sent.
CREATE FUNCTION message_events_stat_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    met text;
BEGIN
    IF NEW.status IN ('sent', 'processed', 'deferred', 'delivered', 'bounced', 'opened', 'clicked',
                      'spam_reported', 'unsubscribed') THEN
        PERFORM message_stat_count(NEW.workspace_id, NEW.message_id, 'sent', NEW.at);
    END IF;
    IF NEW.status = 'clicked' THEN
        PERFORM message_stat_count(NEW.workspace_id, NEW.message_id, 'opened', NEW.at);
    END IF;
    met := CASE NEW.status
        WHEN 'delivered' THEN 'delivered'
        WHEN 'opened' THEN 'opened'
        WHEN 'clicked' THEN 'clicked'
        WHEN 'bounced' THEN 'bounced'
        WHEN 'unsubscribed' THEN 'unsubscribed'
        ELSE NULL END;
    IF met IS NOT NULL THEN
        PERFORM message_stat_count(NEW.workspace_id, NEW.message_id, met, NEW.at);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER messages_stats AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_stat_insert();
CREATE TRIGGER message_events_stats AFTER INSERT ON message_events
    FOR EACH ROW EXECUTE FUNCTION message_events_stat_insert();

-- +goose Down

DROP TRIGGER message_events_stats ON message_events;
DROP TRIGGER messages_stats ON messages;
DROP FUNCTION message_events_stat_insert();
DROP FUNCTION messages_stat_insert();
DROP FUNCTION message_stat_count(text, text, text, timestamptz);
DROP FUNCTION journey_stat_bump(text, text, text, text, text, int, timestamptz, numeric);
DROP FUNCTION event_revenue(jsonb);
DROP TABLE message_stat_flags;
DROP TABLE journey_stat_counters;
DROP TABLE journey_conversions;
DROP TABLE journey_run_steps;
DROP TABLE journey_runs;
ALTER TABLE workspaces DROP COLUMN timezone;
