package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestWebhookEventsPastTheWindowAreIgnored: receipts are pruned past
// webhookReceiptWindow, so an event older than it (by the time signed into
// it) is ignored rather than applied: a LINE request replayed days later
// (LINE signs no timestamp header) or a late SendGrid retry changes nothing.
func TestWebhookEventsPastTheWindowAreIgnored(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	ctx := t.Context()
	if _, err := b.store.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{"lineUserId": "Uold"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-webhookReceiptWindow - time.Hour)
	follow := fmt.Sprintf(`{"type":"unfollow","mode":"active","timestamp":%d,"source":{"type":"user","userId":"Uold"},
		"webhookEventId":"E-old","deliveryContext":{"isRedelivery":true}}`, old.UnixMilli())
	if status, body := b.line(t, "w", lineBody(follow)); status != http.StatusOK || !strings.Contains(body, `"ignored":1`) {
		t.Errorf("a LINE event past the window = %d %s, want it ignored", status, body)
	}
	if _, found, _ := b.store.ConsentFor(ctx, "w", "u1", "line", ""); found {
		t.Error("a LINE event past the window changed the customer's consent")
	}
	unsub := fmt.Sprintf(`{"email":"u1@example.jp","timestamp":%d,"event":"unsubscribe","sg_event_id":"sg-old"}`, old.Unix())
	if status, body := b.sendgrid(t, "w", unsub); status != http.StatusOK || !strings.Contains(body, `"ignored":1`) {
		t.Errorf("a SendGrid event past the window = %d %s, want it ignored", status, body)
	}
	if _, found, _ := b.store.ConsentFor(ctx, "w", "u1", "email", ""); found {
		t.Error("a SendGrid event past the window changed the customer's consent")
	}
}
