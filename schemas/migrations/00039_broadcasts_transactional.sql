-- +goose Up

-- A broadcast may mark itself transactional (a service notice, a recall):
-- the advertising-mail policy's opt-in rule and sender block apply only to
-- promotional messages, which every broadcast is unless it says so.
ALTER TABLE broadcasts ADD COLUMN transactional boolean NOT NULL DEFAULT false;

-- +goose Down

ALTER TABLE broadcasts DROP COLUMN transactional;
