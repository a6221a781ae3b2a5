-- +goose Up

-- Each workspace's provider settings per channel ('email', 'line', 'push').
-- Where a workspace has none, the process's environment (SENDGRID_API_KEY,
-- LINE_CHANNEL_ACCESS_TOKEN, …) applies, field by field.
--   config:       the settings that are not secret (base URL, SendGrid's
--                 webhook public key, sandbox), as JSON;
--   secrets:      the secret settings (API key, access token, channel secret,
--                 service account), a JSON object sealed with AES-256-GCM
--                 under TABIJI_SECRETS_KEY and bound to (workspace, channel);
--   fingerprints: per secret field, the first 8 hex digits of its SHA-256,
--                 which is all the API ever shows of a secret.
CREATE TABLE channel_settings (
    workspace_id text        NOT NULL,
    channel      text        NOT NULL CHECK (channel IN ('email', 'line', 'push')),
    config       jsonb       NOT NULL DEFAULT '{}',
    secrets      bytea,
    fingerprints jsonb       NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, channel)
);

-- +goose Down

DROP TABLE channel_settings;
