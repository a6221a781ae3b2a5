-- +goose Up

-- A workspace's naming convention for event and property names
-- (taxonomy.Naming): {"events": "snake_case", "properties": "snake_case",
-- "objectAction": true, "onViolation": "reject"}; {} is none.
ALTER TABLE taxonomy_settings ADD COLUMN naming jsonb NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE taxonomy_settings DROP COLUMN naming;
