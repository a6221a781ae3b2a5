-- +goose Up

-- Segments that journeys enter on are tracked: who is in each, as Tabiji
-- last saw it, so that joining and leaving become segment_entered and
-- segment_exited events. A segment is tracked from its baseline (the first
-- sweep records its members without emitting: a journey enters the
-- customers who join after it goes live, not those already in).
CREATE TABLE tracked_segments (
    workspace_id text        NOT NULL,
    segment_id   text        NOT NULL,
    baselined_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, segment_id)
);

CREATE TABLE tracked_segment_members (
    workspace_id text        NOT NULL,
    segment_id   text        NOT NULL,
    customer_id  text        NOT NULL,
    entered_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, segment_id, customer_id)
);

-- +goose Down

DROP TABLE tracked_segment_members;
DROP TABLE tracked_segments;
