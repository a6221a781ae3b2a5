// Package activities holds the side effects of journeys: sending messages
// and touching Postgres. Dependencies are fields of one Activities struct,
// registered once with the worker.
package activities

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/secrets"
	"github.com/tabiji/tabiji/store"
)

// Activities are the journey worker's activities.
type Activities struct {
	store    *store.Store
	outbound *outbound.Client // webhooks: public addresses only, unless the operator allows more
	opts     Options
	settings sendSettings // each workspace's send settings, as last read (send_reads.go)
}

// New returns the activities over a store, delivering as opts say (at most
// one; none: every channel to the development outbox).
func New(st *store.Store, opts ...Options) *Activities {
	a := &Activities{store: st}
	if len(opts) > 0 {
		a.opts = opts[0]
	}
	a.outbound = a.opts.Outbound
	if a.outbound == nil {
		a.outbound = outbound.New(outbound.Options{})
	}
	return a
}

// Options configure delivery. The zero value delivers every channel to the
// development outbox, as `tabiji dev` without credentials does.
type Options struct {
	// Senders are the providers by channel ("email", "line", "push"); a
	// channel without one, or with the outbox, records to the outbox.
	Senders map[string]channels.Sender
	// SenderFor, when set, picks the sender per workspace and channel (the
	// workspace's provider settings, else the environment's, else the
	// outbox) and Senders is not used. An error is retried.
	SenderFor func(ctx context.Context, workspaceID, channel string) (channels.Sender, error)
	// UnsubscribeSecret signs the unsubscribe links of messages; without it
	// messages carry none.
	UnsubscribeSecret string
	// PublicURL is the base of unsubscribe links (the API's public URL).
	PublicURL string
	// EmailFrom is the sender address of inline (unstored) email content.
	EmailFrom string
	// ConfirmWithin is, per channel, how long Send waits for the provider's
	// webhook to confirm a message whose provider call was left unanswered
	// (the worker died during it, the connection broke): SendGrid's
	// processed, delivered or dropped event names the message and moves its
	// row. A channel without a window (no webhook) settles such a message
	// "unconfirmed" at once. Either way a provider that is not a
	// channels.Deduplicator is not called again for it.
	ConfirmWithin map[string]time.Duration
	// Outbound makes the webhook nodes' calls; nil: a client that dials
	// public addresses only (no allowlist).
	Outbound *outbound.Client
	// Clicks puts the links of LINE, push and SMS messages (and of emails
	// when the journey asks) through the signed click redirect; nil: links
	// go out as they are (no TABIJI_SECRETS_KEY or public URL).
	Clicks *clicks.Rewriter
	// Secrets opens the workspace secrets webhook nodes refer to; nil: a
	// reference fails its step (no TABIJI_SECRETS_KEY).
	Secrets *secrets.Vault
	// Metrics counts sends, provider calls, queue waits and broadcast
	// progress; nil counts nothing.
	Metrics *metrics.Metrics
}
