-- +goose Up

-- Every API process keeps an index of the journeys that take events. A
-- change to what it holds (a journey's status or active version, a new
-- version, a workspace's time zone) bumps the workspace's journey_version
-- and is announced on the channel tabiji_journeys, its payload the
-- workspace id, when it commits, however it was made (the API, the CLI,
-- SQL). The notification lets every process drop its entry within
-- milliseconds; the version lets an ingestion call check, in one index
-- lookup, that the entry it is about to judge events by is not older than a
-- change committed before the call began. Postgres folds the same payload
-- sent twice in one transaction into one notification.
ALTER TABLE workspaces ADD COLUMN journey_version bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION tabiji_journeys_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ws text := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
BEGIN
    UPDATE workspaces SET journey_version = journey_version + 1 WHERE id = ws;
    PERFORM pg_notify('tabiji_journeys', ws);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tabiji_workspace_zone_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.timezone IS DISTINCT FROM OLD.timezone THEN
        NEW.journey_version := OLD.journey_version + 1;
        PERFORM pg_notify('tabiji_journeys', NEW.id);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER journeys_changed AFTER INSERT OR UPDATE OR DELETE ON journeys
    FOR EACH ROW EXECUTE FUNCTION tabiji_journeys_changed();
CREATE TRIGGER journey_versions_changed AFTER INSERT OR UPDATE OR DELETE ON journey_versions
    FOR EACH ROW EXECUTE FUNCTION tabiji_journeys_changed();
CREATE TRIGGER workspace_zone_changed BEFORE UPDATE OF timezone ON workspaces
    FOR EACH ROW EXECUTE FUNCTION tabiji_workspace_zone_changed();

-- +goose Down
DROP TRIGGER workspace_zone_changed ON workspaces;
DROP TRIGGER journey_versions_changed ON journey_versions;
DROP TRIGGER journeys_changed ON journeys;
DROP FUNCTION tabiji_workspace_zone_changed();
DROP FUNCTION tabiji_journeys_changed();
ALTER TABLE workspaces DROP COLUMN journey_version;
