-- +goose Up

-- A broadcast may test two or more variants (a subject, or whole content)
-- on a share of its audience, then send the winner to the rest.
-- ab_test is the test as its author wrote it (variants, share, metric,
-- wait); ab_result is the winner and the statistics it was picked with,
-- written once when the wait ends.
ALTER TABLE broadcasts ADD COLUMN ab_test jsonb;
ALTER TABLE broadcasts ADD COLUMN ab_result jsonb;

-- The variant a broadcast's message carried ("" for a broadcast without a
-- test, and for every message that is not a broadcast's).
ALTER TABLE messages ADD COLUMN variant text NOT NULL DEFAULT '';

-- +goose Down

ALTER TABLE messages DROP COLUMN variant;
ALTER TABLE broadcasts DROP COLUMN ab_result;
ALTER TABLE broadcasts DROP COLUMN ab_test;
