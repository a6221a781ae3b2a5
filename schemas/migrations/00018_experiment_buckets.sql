-- +goose Up

-- Experiments count a journey's runs by the customer's global-control
-- bucket (experiment.Bucket of "global_control:<workspace>:<customer>"):
-- kept with the run, computed once at insert instead of once per run per
-- request.
ALTER TABLE journey_runs ADD COLUMN global_control_bucket int GENERATED ALWAYS AS
    ((('x' || substr(md5('global_control:' || workspace_id || ':' || customer_id), 1, 8))::bit(32)::bigint % 10000)::int) STORED;

-- The split assignments, read without the other steps.
CREATE INDEX journey_run_steps_variant_idx ON journey_run_steps (workspace_id, run_key)
    INCLUDE (node_id, variant, entered_at) WHERE variant IS NOT NULL;

-- +goose Down

DROP INDEX journey_run_steps_variant_idx;
ALTER TABLE journey_runs DROP COLUMN global_control_bucket;
