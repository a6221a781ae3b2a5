-- +goose Up

-- Client keys (tbj_c_…) ship inside web pages and apps: they may only send
-- events, and may change a person's traits or addresses only with an
-- identity-verification hash (api/client_keys.go).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('write', 'admin', 'client'));

-- Each workspace's identity-verification secret: the workspace's backend
-- signs its users' ids with it (HMAC-SHA256). Sealed with the operator's
-- secrets key, bound to the workspace, as channel secrets are.
CREATE TABLE identity_verification_secrets (
    workspace_id text        PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    sealed       bytea       NOT NULL,
    rotated_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down

DROP TABLE identity_verification_secrets;
DELETE FROM api_keys WHERE role = 'client';
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('write', 'admin'));
