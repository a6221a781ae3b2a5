package routing

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/store"
)

// Pruning: at most pruneBatches batches of pruneBatch receipts per sweep.
const (
	pruneBatch   = 1000
	pruneBatches = 10
)

// PruneWebhookReceipts deletes the receipts past the webhook window, in
// bounded batches, and says how many it deleted; Run calls it every sweep.
func (w *Sweeper) PruneWebhookReceipts(ctx context.Context) (int64, error) {
	cutoff := time.Now().Add(-store.WebhookReceiptWindow)
	var total int64
	for range pruneBatches {
		n, err := w.r.Store.PruneWebhookReceipts(ctx, cutoff, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
	return total, nil
}

func (w *Sweeper) pruneReceipts(ctx context.Context) {
	if n, err := w.PruneWebhookReceipts(ctx); err != nil && ctx.Err() == nil {
		w.r.Logger.Warn("prune webhook receipts", "pruned", n, "error", err)
	}
}
