-- +goose Up

-- A broadcast's quiet-hours deferrals are dropped when it ends (completed,
-- cancelled or failed: store.SetBroadcastStatus); before that, they stayed
-- forever. Drop those of the broadcasts that have already ended.
DELETE FROM broadcast_deferrals d
USING broadcasts b
WHERE b.workspace_id = d.workspace_id AND b.id = d.broadcast_id AND b.finished_at IS NOT NULL;

-- +goose Down

-- Nothing to undo: the rows dropped held customers for broadcasts that
-- send no more.
SELECT 1;
