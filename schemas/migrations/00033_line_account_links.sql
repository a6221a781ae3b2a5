-- +goose Up

-- LINE account linking: each link token Tabiji issued for a LINE user,
-- then the nonce Tabiji gave the shop's site for the customer who logged in
-- with it, then the accountLink webhook that used the nonce (once).
--   expires_at: LINE's link tokens last 10 minutes, and so does the nonce;
--   used_at:    set by the one webhook that linked; a nonce used or expired
--               links nobody.
CREATE TABLE line_account_links (
    workspace_id text        NOT NULL,
    link_token   text        NOT NULL,
    line_user_id text        NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    nonce        text,
    customer_id  text,
    bound_at     timestamptz,
    used_at      timestamptz,
    PRIMARY KEY (workspace_id, link_token),
    CHECK ((nonce IS NULL) = (customer_id IS NULL))
);
CREATE UNIQUE INDEX line_account_links_nonce ON line_account_links (workspace_id, nonce) WHERE nonce IS NOT NULL;

-- +goose Down

DROP TABLE line_account_links;
