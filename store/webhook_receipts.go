package store

import (
	"context"
	"fmt"
	"time"
)

// WebhookReceiptWindow is how long a provider webhook event counts: its
// receipt (MarkWebhookSeen) dedupes the provider's retries and
// redeliveries for this long, and an event older than this, by the time
// the provider signed into it, is ignored rather than applied. So a
// receipt pruned past the window can never let an event be applied twice,
// whether SendGrid retries (for up to 72 hours) or a captured LINE request
// (signed, but without a timestamp header) is replayed.
const WebhookReceiptWindow = 72 * time.Hour

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
