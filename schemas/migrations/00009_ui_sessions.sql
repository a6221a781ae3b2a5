-- +goose Up

-- Browser sessions of the report pages (/ui): a login form exchanges an
-- admin key for a random session token kept in an HttpOnly cookie. Only the
-- token's SHA-256 is stored; a session ends when it expires or when the key
-- it was opened with is revoked.
CREATE TABLE ui_sessions (
    token_hash bytea       PRIMARY KEY,
    key_id     text        NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX ui_sessions_expiry_idx ON ui_sessions (expires_at);

-- +goose Down

DROP TABLE ui_sessions;
