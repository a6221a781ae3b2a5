-- +goose Up

-- A goal event after a run ended is still attributed to it within the goal's
-- window (store.EndedRuns): the ended runs of a customer, by journey and
-- entry time. Partial, so runs in progress (which the workflow itself
-- credits) are not in it.
CREATE INDEX journey_runs_ended_customer_idx ON journey_runs (workspace_id, customer_id, journey_id, entered_at)
    WHERE exited_at IS NOT NULL;

-- +goose Down

DROP INDEX journey_runs_ended_customer_idx;
