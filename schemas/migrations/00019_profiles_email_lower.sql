-- +goose Up

-- Profiles are found by email case-insensitively (store.CustomerByAddress),
-- as suppressions keep addresses lowercased (00013): a SendGrid event for
-- Erase@Example.jp reaches the profile holding erase@example.jp. The index
-- on the raw email served only that lookup.
DROP INDEX profiles_email_idx;
CREATE INDEX profiles_email_lower_idx ON profiles (workspace_id, lower(trim(email))) WHERE email <> '';

-- +goose Down

DROP INDEX profiles_email_lower_idx;
CREATE INDEX profiles_email_idx ON profiles (workspace_id, email) WHERE email <> '';
