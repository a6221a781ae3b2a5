package store_test

import (
	"context"
	"testing"
	"time"
)

func TestPruneWebhookReceipts(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	for _, id := range []string{"old1", "old2", "old3", "new1", "new2"} {
		mustNot(t, b.store.MarkWebhookSeen(ctx, wsA, "line", id))
	}
	if _, err := b.db.Exec(ctx, `UPDATE webhook_receipts SET received_at = now() - interval '4 days' WHERE event_id LIKE 'old%'`); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().AddDate(0, 0, -3) // the cluster runs on this machine's clock
	for i, want := range []int64{2, 1, 0} {
		if n, err := b.store.PruneWebhookReceipts(ctx, cutoff, 2); err != nil || n != want {
			t.Fatalf("prune %d = %d, %v; want %d", i, n, err, want)
		}
	}
	for id, want := range map[string]bool{"old1": false, "old3": false, "new1": true, "new2": true} {
		if seen, err := b.store.WebhookSeen(ctx, wsA, "line", id); err != nil || seen != want {
			t.Errorf("%s seen = %v, %v; want %v", id, seen, err, want)
		}
	}
}

func TestMarkWebhooksSeen(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	mustNot(t, b.store.MarkWebhookSeen(ctx, wsA, "sendgrid", "e1"))
	mustNot(t, b.store.MarkWebhooksSeen(ctx, wsA, "sendgrid", []string{"e1", "e2", "e3"})) // e1 again: no conflict
	for id, want := range map[string]bool{"e1": true, "e2": true, "e3": true, "e4": false} {
		if seen, err := b.store.WebhookSeen(ctx, wsA, "sendgrid", id); err != nil || seen != want {
			t.Errorf("%s seen = %v, %v; want %v", id, seen, err, want)
		}
	}
	if seen, err := b.store.WebhookSeen(ctx, wsB, "sendgrid", "e2"); err != nil || seen {
		t.Errorf("another workspace sees e2: %v, %v", seen, err)
	}
}
