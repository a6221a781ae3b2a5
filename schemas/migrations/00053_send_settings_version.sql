-- +goose Up

-- What every send of a workspace reads alike (its global control group,
-- advertising-mail policy with the workspace's language, frequency caps)
-- is kept by each worker process between sends. A change to any of it, made
-- however (the API, the CLI, SQL), bumps the workspace's
-- send_settings_version in the same transaction; a send reads the version
-- in the same round trip as the customer's profile and consent, and reads
-- the settings again only when it moved: a change applies to the next send
-- that begins after it commits, in every process.
ALTER TABLE workspaces ADD COLUMN send_settings_version bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION tabiji_send_settings_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ws text := CASE WHEN TG_OP = 'DELETE' THEN OLD.workspace_id ELSE NEW.workspace_id END;
BEGIN
    UPDATE workspaces SET send_settings_version = send_settings_version + 1 WHERE id = ws;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION tabiji_workspace_locale_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.locale IS DISTINCT FROM OLD.locale THEN
        NEW.send_settings_version := OLD.send_settings_version + 1;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER global_control_send_settings AFTER INSERT OR UPDATE OR DELETE ON global_control
    FOR EACH ROW EXECUTE FUNCTION tabiji_send_settings_changed();
CREATE TRIGGER advertising_policies_send_settings AFTER INSERT OR UPDATE OR DELETE ON advertising_policies
    FOR EACH ROW EXECUTE FUNCTION tabiji_send_settings_changed();
CREATE TRIGGER frequency_caps_send_settings AFTER INSERT OR UPDATE OR DELETE ON frequency_caps
    FOR EACH ROW EXECUTE FUNCTION tabiji_send_settings_changed();
CREATE TRIGGER workspace_locale_send_settings BEFORE UPDATE OF locale ON workspaces
    FOR EACH ROW EXECUTE FUNCTION tabiji_workspace_locale_changed();

-- +goose Down
DROP TRIGGER workspace_locale_send_settings ON workspaces;
DROP TRIGGER frequency_caps_send_settings ON frequency_caps;
DROP TRIGGER advertising_policies_send_settings ON advertising_policies;
DROP TRIGGER global_control_send_settings ON global_control;
DROP FUNCTION tabiji_workspace_locale_changed();
DROP FUNCTION tabiji_send_settings_changed();
ALTER TABLE workspaces DROP COLUMN send_settings_version;
