package api

import (
	"time"

	"github.com/tabiji/tabiji/store"
)

// webhookReceiptWindow is how long a provider webhook event counts
// (store.WebhookReceiptWindow).
const webhookReceiptWindow = store.WebhookReceiptWindow

// staleWebhookEvent says whether an event that happened at at is past the window.
func staleWebhookEvent(at time.Time) bool {
	return time.Since(at) > webhookReceiptWindow
}
