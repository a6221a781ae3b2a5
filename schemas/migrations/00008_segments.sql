-- +goose Up

-- Segments: audiences defined as JSON conditions (segments.Definition),
-- compiled to SQL over profiles and events whenever they are counted or
-- listed, so membership is always exact as of the query.
CREATE TABLE segments (
    workspace_id text        NOT NULL REFERENCES workspaces (id),
    id           text        NOT NULL,
    name         text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    definition   jsonb       NOT NULL,
    version      int         NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id)
);

-- tabiji_timestamptz reads a timestamp trait or property: an RFC 3339 time,
-- or a date (midnight UTC). Anything else is NULL rather than an error, so
-- one bad value cannot fail a whole segment count.
-- +goose StatementBegin
CREATE FUNCTION tabiji_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF t ~ '^\d{4}-\d{2}-\d{2}$' THEN
        RETURN (t || 'T00:00:00Z')::timestamptz;
    END IF;
    IF t ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$' THEN
        RETURN t::timestamptz;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down

DROP FUNCTION tabiji_timestamptz(text);
DROP TABLE segments;
