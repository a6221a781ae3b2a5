-- +goose Up

-- Each workspace's global control group: the share of customers (a hash of
-- the customer ID, see experiment.InGlobalControl) that no journey sends a
-- marketing message to, so that the whole programme's effect can be
-- measured. No row, or 0, is no global control group.
CREATE TABLE global_control (
    workspace_id text         PRIMARY KEY,
    percent      numeric(5,2) NOT NULL CHECK (percent >= 0 AND percent < 100),
    updated_at   timestamptz  NOT NULL DEFAULT now()
);

-- +goose Down

DROP TABLE global_control;
