-- +goose Up

-- Erasure that stays erased (store/erasure.go): what an erasure must still
-- recognise is kept as salted SHA-256 hashes, never in clear. One random
-- salt per workspace, made by the workspace's first erasure: the same value
-- hashes the same within a workspace (so a replay can be looked up) and
-- differently in another.
CREATE TABLE erasure_salts (
    workspace_id text        PRIMARY KEY,
    salt         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The erased customers' ids (kind 'customer') and the messageIds of their
-- events (kind 'message'), as tabiji_erased_hash of the workspace's salt.
-- Ingestion drops a call whose messageId is here; a send to a customer id
-- here writes no message row.
CREATE TABLE erased_ids (
    workspace_id text  NOT NULL,
    hash         bytea NOT NULL,
    PRIMARY KEY (workspace_id, hash)
);

-- Addresses an erased customer had suppressed (a complaint, an unsubscribe,
-- a bounce) or had opted out of a whole channel from, kept suppressed.
CREATE TABLE erased_suppressions (
    workspace_id text        NOT NULL,
    channel      text        NOT NULL,
    hash         bytea       NOT NULL, -- tabiji_erased_hash(salt, channel, store.SuppressionAddress)
    reason       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, channel, hash)
);

-- +goose StatementBegin
CREATE FUNCTION tabiji_erased_hash(salt bytea, kind text, value text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT sha256(salt || convert_to(kind || ':' || value, 'UTF8')) $$;
-- +goose StatementEnd

-- +goose Down

DROP FUNCTION tabiji_erased_hash(bytea, text, text);
DROP TABLE erased_suppressions;
DROP TABLE erased_ids;
DROP TABLE erasure_salts;
