package api

import (
	"context"
	"time"
)

// webhookReceiptWindow is how long a provider webhook event counts: its
// receipt (store.MarkWebhookSeen) dedupes the provider's retries and
// redeliveries for this long, and an event older than this, by the time
// the provider signed into it, is ignored rather than applied. So a
// receipt pruned past the window can never let an event be applied twice,
// whether SendGrid retries (for up to 72 hours) or a captured LINE request
// (signed, but without a timestamp header) is replayed.
const webhookReceiptWindow = 72 * time.Hour

// Pruning: at most pruneBatches batches of pruneBatch receipts per sweep.
const (
	pruneBatch   = 1000
	pruneBatches = 10
)

// staleWebhookEvent says whether an event that happened at at is past the window.
func staleWebhookEvent(at time.Time) bool {
	return time.Since(at) > webhookReceiptWindow
}

// PruneWebhookReceipts deletes the receipts past the webhook window, in
// bounded batches, and says how many it deleted; Run calls it every sweep.
func (w *Sweeper) PruneWebhookReceipts(ctx context.Context) (int64, error) {
	cutoff := time.Now().Add(-webhookReceiptWindow)
	var total int64
	for range pruneBatches {
		n, err := w.s.Store.PruneWebhookReceipts(ctx, cutoff, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
	return total, nil
}

func (w *Sweeper) pruneReceipts(ctx context.Context) {
	if n, err := w.PruneWebhookReceipts(ctx); err != nil && ctx.Err() == nil {
		w.s.Logger.Warn("prune webhook receipts", "pruned", n, "error", err)
	}
}
