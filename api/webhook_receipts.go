package api

import "github.com/tabiji/tabiji/store"

// webhookReceiptWindow is how long a provider webhook event counts
// (store.WebhookReceiptWindow): webhooks.Service ignores an older one.
const webhookReceiptWindow = store.WebhookReceiptWindow
