-- +goose Up

-- Email suppressions are kept lowercased (store.SuppressionAddress), so a
-- bounce reported for "Aiko@Example.com" holds back "aiko@example.com".
-- Rows written before keep their first reason under the lowercased address.
INSERT INTO suppressions (workspace_id, channel, address, reason, created_at)
SELECT workspace_id, channel, lower(trim(address)), reason, created_at
FROM suppressions
WHERE channel = 'email' AND address <> lower(trim(address))
ORDER BY created_at
ON CONFLICT DO NOTHING;

DELETE FROM suppressions WHERE channel = 'email' AND address <> lower(trim(address));

-- +goose Down

-- Lowercased addresses stay lowercased: the original case is not kept.
SELECT 1;
