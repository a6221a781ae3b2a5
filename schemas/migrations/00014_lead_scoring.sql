-- +goose Up

-- Each workspace's lead-scoring rules: {"half_life": "14d", "events": […],
-- "traits": […]}, validated by the scoring package before it is stored.
CREATE TABLE lead_score_rules (
    workspace_id text        PRIMARY KEY,
    rules        jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every award of points: one row per (source, rule), so a retried event
-- scores once. source is the event's messageId (for a trait rule, the
-- identify that made the profile match). score_before is the score decayed
-- to at, score_after what the profile holds after the award. The score
-- itself is the profile's trait lead_score, as of trait_updated_at.
CREATE TABLE lead_score_history (
    workspace_id text             NOT NULL,
    source       text             NOT NULL,
    rule_id      text             NOT NULL,
    profile_id   text             NOT NULL,
    points       double precision NOT NULL,
    score_before double precision NOT NULL,
    score_after  double precision NOT NULL,
    at           timestamptz      NOT NULL, -- when the points were earned (the event's timestamp)
    recorded_at  timestamptz      NOT NULL DEFAULT now(),
    seq          bigint           GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (workspace_id, source, rule_id)
);

CREATE INDEX lead_score_history_profile_idx ON lead_score_history (workspace_id, profile_id, seq DESC);

-- +goose Down

DROP TABLE lead_score_history;
DROP TABLE lead_score_rules;
