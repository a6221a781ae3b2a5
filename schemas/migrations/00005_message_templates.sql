-- +goose Up

-- Message templates: a channel's content in Liquid (msgtemplates.Content),
-- versioned like journeys. A send pins the version it rendered.

CREATE TABLE message_templates (
    workspace_id   text        NOT NULL REFERENCES workspaces (id),
    id             text        NOT NULL,
    channel        text        NOT NULL CHECK (channel IN ('email', 'line', 'push')),
    name           text        NOT NULL,
    latest_version int         NOT NULL CHECK (latest_version >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE message_template_versions (
    workspace_id text        NOT NULL,
    template_id  text        NOT NULL,
    version      int         NOT NULL CHECK (version >= 1),
    content      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, template_id, version),
    FOREIGN KEY (workspace_id, template_id) REFERENCES message_templates (workspace_id, id)
);

-- +goose Down

DROP TABLE message_template_versions;
DROP TABLE message_templates;
