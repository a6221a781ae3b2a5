-- +goose Up

-- Approval before going live: when a workspace requires it, activating a
-- journey or scheduling a broadcast becomes a request that an approver
-- (an owner, or the role the workspace names) approves or rejects with a
-- comment. Approving performs the change once: only a pending request can
-- be decided, in one conditional UPDATE.
ALTER TABLE workspaces
    ADD COLUMN approvals_required boolean NOT NULL DEFAULT false,
    ADD COLUMN approver_role      text    NOT NULL DEFAULT 'owner'
        CHECK (approver_role IN ('owner', 'marketer', 'analyst', 'developer'));

CREATE TABLE approval_requests (
    workspace_id        text        NOT NULL REFERENCES workspaces (id),
    id                  text        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('journey.activate', 'broadcast.schedule')),
    target_id           text        NOT NULL,
    params              jsonb       NOT NULL DEFAULT '{}',
    state               text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected', 'failed')),
    requested_by_kind   text        NOT NULL,
    requested_by_id     text        NOT NULL,
    requested_by_name   text        NOT NULL DEFAULT '',
    requested_at        timestamptz NOT NULL DEFAULT now(),
    decided_by_kind     text        NOT NULL DEFAULT '',
    decided_by_id       text        NOT NULL DEFAULT '',
    decided_by_name     text        NOT NULL DEFAULT '',
    decided_at          timestamptz,
    comment             text        NOT NULL DEFAULT '',
    error               text        NOT NULL DEFAULT '',
    PRIMARY KEY (workspace_id, id)
);
-- One pending request per change: asking again while one waits finds it.
CREATE UNIQUE INDEX approval_requests_pending ON approval_requests (workspace_id, kind, target_id) WHERE state = 'pending';
CREATE INDEX approval_requests_at ON approval_requests (workspace_id, requested_at, id);

-- +goose Down

DROP TABLE approval_requests;
ALTER TABLE workspaces DROP COLUMN approvals_required, DROP COLUMN approver_role;
