-- +goose Up

-- Experiment counts kept incrementally, like the statistics counters of
-- 00011: RecordRun moves them in the transaction that stores a run, its
-- steps and its conversions, so reading a journey's experiments sums a few
-- rows instead of grouping every run, step and conversion (12–18 s at a
-- million runs).

-- Whether the customer was in the workspace's global control group when the
-- run entered (its bucket below the share then, experiment.InGlobalControl):
-- a run's arm is fixed at entry, so changing the share later does not
-- re-file runs that were already messaged. Runs stored before this
-- migration take the share as it is now, which is what the experiments
-- counted them by until now.
ALTER TABLE journey_runs ADD COLUMN global_control boolean NOT NULL DEFAULT false;
UPDATE journey_runs r SET global_control = true
FROM global_control g
WHERE g.workspace_id = r.workspace_id AND r.global_control_bucket < round(g.percent * 100);

-- The runs per control arm: 'holdout' (the journey's holdout, whatever the
-- global control group), 'global_control' (in the workspace's global
-- control group at entry, not in the holdout), 'messaged' (neither).
-- converted: the runs with a conversion.
CREATE TABLE journey_experiment_arms (
    workspace_id text   NOT NULL,
    journey_id   text   NOT NULL,
    version      int    NOT NULL,
    arm          text   NOT NULL CHECK (arm IN ('holdout', 'global_control', 'messaged')),
    entered      bigint NOT NULL DEFAULT 0,
    converted    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, journey_id, version, arm)
);

-- The messaged runs per split node and variant: each run once per node, in
-- the variant and at the time of its first visit (min variant, min entered_at
-- over its visits); converted when its last conversion came at or after
-- that time.
CREATE TABLE journey_experiment_variants (
    workspace_id text   NOT NULL,
    journey_id   text   NOT NULL,
    version      int    NOT NULL,
    node_id      text   NOT NULL,
    variant      text   NOT NULL,
    entered      bigint NOT NULL DEFAULT 0,
    converted    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, journey_id, version, node_id, variant)
);

-- Back-fill from the runs stored so far.
INSERT INTO journey_experiment_arms (workspace_id, journey_id, version, arm, entered, converted)
SELECT workspace_id, journey_id, version,
       CASE WHEN holdout THEN 'holdout' WHEN global_control THEN 'global_control' ELSE 'messaged' END,
       count(*), count(converted_at)
FROM journey_runs
GROUP BY 1, 2, 3, 4;

INSERT INTO journey_experiment_variants (workspace_id, journey_id, version, node_id, variant, entered, converted)
WITH assigned AS (
    SELECT workspace_id, run_key, node_id, min(variant) AS variant, min(entered_at) AS at
    FROM journey_run_steps WHERE variant IS NOT NULL
    GROUP BY 1, 2, 3),
last_conversion AS (
    SELECT workspace_id, run_key, max(converted_at) AS at
    FROM journey_conversions
    GROUP BY 1, 2)
SELECT r.workspace_id, r.journey_id, r.version, a.node_id, a.variant, count(*), count(*) FILTER (WHERE c.at >= a.at)
FROM assigned a
JOIN journey_runs r ON r.workspace_id = a.workspace_id AND r.run_key = a.run_key
LEFT JOIN last_conversion c ON c.workspace_id = a.workspace_id AND c.run_key = a.run_key
WHERE NOT r.holdout AND NOT r.global_control AND a.variant <> ''
GROUP BY 1, 2, 3, 4, 5;

-- +goose Down

DROP TABLE journey_experiment_variants;
DROP TABLE journey_experiment_arms;
ALTER TABLE journey_runs DROP COLUMN global_control;
