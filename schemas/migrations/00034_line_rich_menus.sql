-- +goose Up

-- Rich menus per segment: each rule links its rich menu to the LINE users
-- of the segment's members (the segment is tracked, as for a journey that
-- enters on it) and unlinks it when they leave.
CREATE TABLE line_rich_menu_rules (
    workspace_id text        NOT NULL,
    segment_id   text        NOT NULL,
    rich_menu_id text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, segment_id)
);

-- What Tabiji linked at LINE, per rule: the sync links the members not
-- here and unlinks the rows whose customer left (or whose rule is gone).
CREATE TABLE line_rich_menu_members (
    workspace_id text        NOT NULL,
    segment_id   text        NOT NULL,
    line_user_id text        NOT NULL,
    customer_id  text        NOT NULL,
    rich_menu_id text        NOT NULL,
    linked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, segment_id, line_user_id)
);
CREATE INDEX line_rich_menu_members_user ON line_rich_menu_members (workspace_id, line_user_id);

-- +goose Down

DROP TABLE line_rich_menu_members;
DROP TABLE line_rich_menu_rules;
