-- +goose Up

-- Invitations and password resets (issue 14): a link carries a random
-- token of which only the SHA-256 is stored (as sessions' tokens are), so
-- neither a copy of the database nor the server's secrets can rebuild a
-- live link. A revoked invitation is kept (revoked_at) so its link can say
-- so; the invitee's language is the invitation's.
ALTER TABLE person_tokens
    ADD COLUMN token_hash bytea,
    ADD COLUMN locale     text CHECK (locale IN ('ja', 'en')),
    ADD COLUMN revoked_at timestamptz;

CREATE UNIQUE INDEX person_tokens_hash_idx ON person_tokens (token_hash);

-- A person's name (set when they accept an invitation) and their last
-- login, which the owner's list of people shows.
ALTER TABLE persons
    ADD COLUMN name          text NOT NULL DEFAULT '',
    ADD COLUMN last_login_at timestamptz;

-- +goose Down

ALTER TABLE persons DROP COLUMN last_login_at, DROP COLUMN name;
DROP INDEX person_tokens_hash_idx;
ALTER TABLE person_tokens DROP COLUMN revoked_at, DROP COLUMN locale, DROP COLUMN token_hash;
