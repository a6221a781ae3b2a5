-- +goose Up

-- The web origins (scheme://host[:port]) whose pages may send events with
-- the workspace's keys: CORS answers them and ingestion refuses a browser
-- call from any other (api/cors.go). Empty: no web page may.
ALTER TABLE workspaces ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}';

-- +goose Down

ALTER TABLE workspaces DROP COLUMN allowed_origins;
