-- +goose Up

-- Each workspace's frequency caps: {"email": [{"max": 3, "window": "1d"}], …}
-- per channel, validated by the frequency package before it is stored.
-- Sends are counted from messages, so this holds the rules only.
CREATE TABLE frequency_caps (
    workspace_id text        PRIMARY KEY,
    caps         jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down

DROP TABLE frequency_caps;
