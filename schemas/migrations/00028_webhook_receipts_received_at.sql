-- +goose Up

-- Receipts of provider webhook events are kept for the webhook window only
-- (api: webhookReceiptWindow, 72 hours): the sweeper deletes older ones in
-- bounded batches by age, which this index finds without a scan.
CREATE INDEX webhook_receipts_received_at_idx ON webhook_receipts (received_at);

-- +goose Down

DROP INDEX webhook_receipts_received_at_idx;
