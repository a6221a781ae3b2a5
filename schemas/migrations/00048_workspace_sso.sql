-- +goose Up

-- Single sign-on with OpenID Connect (issue 14): a workspace may have one
-- provider. The client secret is sealed with the operator's
-- TABIJI_SECRETS_KEY, bound to the workspace, and never shown again; role
-- mappings read a claim of the ID token (roles: claim value -> role).
CREATE TABLE workspace_sso (
    workspace_id              text        PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    issuer                    text        NOT NULL,
    client_id                 text        NOT NULL,
    client_secret_sealed      bytea       NOT NULL,
    client_secret_fingerprint text        NOT NULL,
    allowed_domains           text[]      NOT NULL,
    role_claim                text        NOT NULL DEFAULT '',
    roles                     jsonb       NOT NULL DEFAULT '{}',
    default_role              text        CHECK (default_role IN ('owner', 'marketer', 'analyst', 'developer')), -- NULL: refuse a login no claim maps
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

-- A session opened by single sign-on stays in the workspace whose provider
-- vouched for the person: another workspace's provider cannot open a way
-- into this one by asserting one of its people's addresses.
ALTER TABLE ui_sessions ADD COLUMN sso_workspace_id text REFERENCES workspaces (id) ON DELETE CASCADE;

-- +goose Down

ALTER TABLE ui_sessions DROP COLUMN sso_workspace_id;
DROP TABLE workspace_sso;
