-- +goose Up

-- Proof of consent (特定電子メール法 Art. 3 §2: the sender keeps a record
-- that the recipient agreed). Every row of consent_history now carries the
-- evidence of the change (the form or page, the wording shown, the IP, the
-- user agent, …) and when Tabiji recorded it (at is when the customer
-- agreed, which an import or a late webhook may give from the past).
ALTER TABLE consent_history
    ADD COLUMN evidence    jsonb       NOT NULL DEFAULT '{}',
    ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();

-- The history is append-only: a record of proof is never rewritten. Only
-- erasure deletes rows (a person's data goes with them).
-- +goose StatementBegin
CREATE FUNCTION consent_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent_history is append-only: rows are never updated';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER consent_history_append_only BEFORE UPDATE ON consent_history
    FOR EACH ROW EXECUTE FUNCTION consent_history_append_only();

-- Each workspace's advertising-mail policy:
--   optin_required:  promotional email and SMS go only to customers with a
--                    recorded opt-in; NULL follows the workspace's locale
--                    (on for ja);
--   sender_*:        the sender's identity every promotional email carries
--                    (name, postal address, contact for refusal).
CREATE TABLE advertising_policies (
    workspace_id   text        PRIMARY KEY,
    optin_required boolean,
    sender_name    text        NOT NULL DEFAULT '',
    sender_address text        NOT NULL DEFAULT '',
    sender_contact text        NOT NULL DEFAULT '',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down

DROP TABLE advertising_policies;
DROP TRIGGER consent_history_append_only ON consent_history;
DROP FUNCTION consent_history_append_only();
ALTER TABLE consent_history DROP COLUMN evidence, DROP COLUMN recorded_at;
