-- +goose Up

-- Every API process keeps an index of the journeys that take events; a
-- change to what it holds (a journey's status or active version, a new
-- version, a workspace's time zone) is announced on the channel
-- tabiji_journeys, its payload the workspace id, when the change commits,
-- so that every process drops that workspace's entry at once however the
-- change was made (the API, the CLI, SQL). Postgres folds the same payload
-- sent twice in one transaction into one notification.
-- +goose StatementBegin
CREATE FUNCTION tabiji_notify_journey_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'workspaces' THEN
        PERFORM pg_notify('tabiji_journeys', NEW.id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tabiji_journeys', OLD.workspace_id);
    ELSE
        PERFORM pg_notify('tabiji_journeys', NEW.workspace_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER journeys_changed AFTER INSERT OR UPDATE OR DELETE ON journeys
    FOR EACH ROW EXECUTE FUNCTION tabiji_notify_journey_change();
CREATE TRIGGER journey_versions_changed AFTER INSERT OR UPDATE OR DELETE ON journey_versions
    FOR EACH ROW EXECUTE FUNCTION tabiji_notify_journey_change();
CREATE TRIGGER workspace_zone_changed AFTER UPDATE OF timezone ON workspaces
    FOR EACH ROW EXECUTE FUNCTION tabiji_notify_journey_change();

-- +goose Down
DROP TRIGGER workspace_zone_changed ON workspaces;
DROP TRIGGER journey_versions_changed ON journey_versions;
DROP TRIGGER journeys_changed ON journeys;
DROP FUNCTION tabiji_notify_journey_change();
