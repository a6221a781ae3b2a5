-- +goose Up

-- SMS through Twilio is a channel of its own: workspaces store its settings
-- and write templates for it.
ALTER TABLE channel_settings DROP CONSTRAINT channel_settings_channel_check,
    ADD CONSTRAINT channel_settings_channel_check CHECK (channel IN ('email', 'line', 'push', 'sms'));
ALTER TABLE message_templates DROP CONSTRAINT message_templates_channel_check,
    ADD CONSTRAINT message_templates_channel_check CHECK (channel IN ('email', 'line', 'push', 'sms'));

-- A number that replied STOP (or 停止, …) is suppressed on the sms channel.
ALTER TABLE suppressions DROP CONSTRAINT suppressions_reason_check,
    ADD CONSTRAINT suppressions_reason_check
    CHECK (reason IN ('hard_bounce', 'spam_report', 'unsubscribe', 'line_unfollow', 'invalid', 'sms_stop'));

-- An inbound SMS (a STOP reply) names its sender in E.164, while a profile
-- keeps the number as it was given ("090-1234-5678"): store.CustomerByAddress
-- matches on the number's digits, which this index finds without a scan.
CREATE INDEX profiles_phone_digits_idx ON profiles (workspace_id, (regexp_replace(phone, '[^0-9]', '', 'g')))
    WHERE phone <> '';

-- +goose Down

DROP INDEX profiles_phone_digits_idx;
DELETE FROM suppressions WHERE reason = 'sms_stop';
ALTER TABLE suppressions DROP CONSTRAINT suppressions_reason_check,
    ADD CONSTRAINT suppressions_reason_check
    CHECK (reason IN ('hard_bounce', 'spam_report', 'unsubscribe', 'line_unfollow', 'invalid'));
DELETE FROM message_templates WHERE channel = 'sms';
ALTER TABLE message_templates DROP CONSTRAINT message_templates_channel_check,
    ADD CONSTRAINT message_templates_channel_check CHECK (channel IN ('email', 'line', 'push'));
DELETE FROM channel_settings WHERE channel = 'sms';
ALTER TABLE channel_settings DROP CONSTRAINT channel_settings_channel_check,
    ADD CONSTRAINT channel_settings_channel_check CHECK (channel IN ('email', 'line', 'push'));
