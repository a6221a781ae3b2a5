-- +goose Up

-- The audit log: every change made through the management API or the
-- console. A record is written before the change runs (outcome 'unknown',
-- with what the resource looked like before) and completed right after it
-- (outcome, status, what it looks like after), so a change that succeeded
-- always has its record, even when the process stops in between.
-- customer_ids are the customers a record is about: erasing a customer
-- blanks their records' before and after (privacy: nothing of theirs stays).
CREATE TABLE audit_log (
    workspace_id text        NOT NULL REFERENCES workspaces (id),
    id           text        NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    actor_kind   text        NOT NULL CHECK (actor_kind IN ('key', 'person')),
    actor_id     text        NOT NULL,
    actor_name   text        NOT NULL DEFAULT '',
    resource     text        NOT NULL,
    resource_id  text        NOT NULL DEFAULT '',
    action       text        NOT NULL,
    method       text        NOT NULL DEFAULT '',
    route        text        NOT NULL DEFAULT '',
    outcome      text        NOT NULL DEFAULT 'unknown' CHECK (outcome IN ('unknown', 'succeeded', 'refused', 'failed')),
    status       integer     NOT NULL DEFAULT 0,
    before       jsonb,
    after        jsonb,
    detail       jsonb,
    customer_ids text[]      NOT NULL DEFAULT '{}',
    client_ip    text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX audit_log_at ON audit_log (workspace_id, at, id);
CREATE INDEX audit_log_customers ON audit_log USING gin (customer_ids);

-- +goose Down

DROP TABLE audit_log;
