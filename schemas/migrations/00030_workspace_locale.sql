-- +goose Up

-- A workspace's language and currency, beside its time zone (00011): the
-- defaults of its journeys, templates, statistics and reports follow them.
-- Existing workspaces keep today's behaviour: English and US dollars.
ALTER TABLE workspaces
    ADD COLUMN locale   text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ja')),
    ADD COLUMN currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');

-- +goose Down

ALTER TABLE workspaces DROP COLUMN locale, DROP COLUMN currency;
