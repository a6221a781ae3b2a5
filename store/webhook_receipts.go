package store

import (
	"context"
	"fmt"
	"time"
)

// PruneWebhookReceipts deletes up to limit webhook receipts received
// before cutoff (MarkWebhookSeen), and says how many it deleted.
func (s *Store) PruneWebhookReceipts(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_receipts WHERE ctid IN (
		SELECT ctid FROM webhook_receipts WHERE received_at < $1 LIMIT $2)`, cutoff, limit)
	if err != nil {
		return 0, fmt.Errorf("store: unable to prune webhook receipts: %w", err)
	}
	return tag.RowsAffected(), nil
}
