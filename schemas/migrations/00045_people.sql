-- +goose Up

-- People of the console (issue 14): a person logs in with an email address
-- and a password (argon2id, PHC string with its parameters) and belongs to
-- workspaces with a role each. Machine keys (api_keys) are not people.
CREATE TABLE persons (
    id                text        PRIMARY KEY,
    email             text        NOT NULL CHECK (email = lower(email) AND email <> ''),
    password_hash     text,       -- NULL: no password yet (invited, or single sign-on only)
    locale            text        CHECK (locale IN ('ja', 'en')), -- NULL: the workspace's language
    last_workspace_id text        REFERENCES workspaces (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX persons_email_idx ON persons (email);

CREATE TABLE memberships (
    workspace_id text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    person_id    text        NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    role         text        NOT NULL CHECK (role IN ('owner', 'marketer', 'analyst', 'developer')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, person_id)
);

CREATE INDEX memberships_person_idx ON memberships (person_id);

-- Console sessions now belong to a person acting in one workspace (which
-- they may switch); the session's role is the membership's, read at every
-- request, so removing a member or changing their role takes effect at
-- once. Key sessions end here: their holders log in as people.
DROP TABLE ui_sessions;

CREATE TABLE ui_sessions (
    token_hash   bytea       PRIMARY KEY,
    person_id    text        NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    workspace_id text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);

CREATE INDEX ui_sessions_expiry_idx ON ui_sessions (expires_at);
CREATE INDEX ui_sessions_person_idx ON ui_sessions (person_id);

-- The rows behind invitation and password-reset links: a link is signed
-- and names its row, which makes it single use (used_at) and revocable.
CREATE TABLE person_tokens (
    id           text        PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('invitation', 'reset')),
    email        text        NOT NULL,
    workspace_id text        REFERENCES workspaces (id) ON DELETE CASCADE, -- invitation: the workspace joined
    role         text        CHECK (role IN ('owner', 'marketer', 'analyst', 'developer')),
    created_by   text        NOT NULL DEFAULT '', -- the person or key that invited
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

CREATE INDEX person_tokens_workspace_idx ON person_tokens (workspace_id, created_at);

-- +goose Down

DROP TABLE person_tokens;
DROP TABLE ui_sessions;
CREATE TABLE ui_sessions (
    token_hash bytea       PRIMARY KEY,
    key_id     text        NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX ui_sessions_expiry_idx ON ui_sessions (expires_at);
DROP TABLE memberships;
DROP TABLE persons;
