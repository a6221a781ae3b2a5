-- +goose Up

-- Where the console's journey canvas draws each node of a journey version.
-- Positions never change what a journey does, so they live beside the
-- definition, not in it: a version's definition stays exactly what was
-- saved, and moving a box makes no new version and wakes no router (this
-- table has no trigger). A version without a row is drawn with the latest
-- earlier version's layout, or laid out automatically.
CREATE TABLE journey_layouts (
    workspace_id text        NOT NULL,
    journey_id   text        NOT NULL,
    version      int         NOT NULL,
    layout       jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, journey_id, version),
    FOREIGN KEY (workspace_id, journey_id, version) REFERENCES journey_versions (workspace_id, journey_id, version)
);

-- +goose Down
DROP TABLE journey_layouts;
