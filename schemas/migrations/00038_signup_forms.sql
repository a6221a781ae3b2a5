-- +goose Up

-- A workspace's sign-up form (signupforms.Form), hosted at /f/{public_id}
-- and embeddable in the shop's pages: the consent topic it opts into, the
-- event it records, whether it asks a double opt-in, and its title and
-- consent wording per language ({"ja": …, "en": …}), the wording being the
-- evidence of the opt-in kept with each consent record.
CREATE TABLE signup_forms (
    workspace_id  text        PRIMARY KEY REFERENCES workspaces (id),
    public_id     text        NOT NULL UNIQUE,
    topic         text        NOT NULL DEFAULT '',
    event         text        NOT NULL,
    double_opt_in boolean     NOT NULL DEFAULT false,
    title         jsonb       NOT NULL DEFAULT '{}',
    wording       jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE signup_forms;
