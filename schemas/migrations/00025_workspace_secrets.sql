-- +goose Up

-- Each workspace's named secrets (a CRM token, say), which journeys
-- reference as {{ secrets.NAME }} in webhook URLs, headers and bodies, so
-- the value is in neither journey_versions nor Temporal histories: the
-- webhook activity opens it at send time.
--   sealed:      the value, sealed with AES-256-GCM under TABIJI_SECRETS_KEY
--                and bound to (workspace, name);
--   fingerprint: the first 8 hex digits of its SHA-256, all the API shows.
CREATE TABLE workspace_secrets (
    workspace_id text        NOT NULL,
    name         text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
    sealed       bytea       NOT NULL,
    fingerprint  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, name)
);

-- +goose Down

DROP TABLE workspace_secrets;
