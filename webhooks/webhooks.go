// Package webhooks takes what the providers post back about sent messages
// and their customers: SendGrid's Event Webhook, the LINE Messaging API's
// webhook and Twilio's status callbacks and inbound messages. Each delivery
// is verified with the workspace's channel settings (signature, age,
// account), and each of its events is applied once however often the
// provider retries: the message's status and the customer's event through
// engagement.Recorder, consent and suppressions in the store, new
// customers and LINE account links through the ingestion pipeline.
//
// Every provider is one call for the API (Service.SendGrid, Service.LINE,
// Service.Twilio); its refusals are store.Refusal: ErrOff when the
// workspace has not set the channel's webhook secret, ErrTooLarge for a body
// that cannot be read, ErrUnauthenticated for a signature that does not
// hold, ErrMalformed for a body that is not the provider's.
package webhooks

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/engagement"
	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// Service applies the providers' webhook deliveries.
type Service struct {
	Store *store.Store
	// Channels holds the workspaces' webhook secrets (the environment's as
	// defaults).
	Channels *settings.Resolver
	// Engagement records each event of a message or a customer.
	Engagement *engagement.Recorder
	// Pipeline makes the profiles of unknown senders and joins linked LINE users.
	Pipeline *ingest.Pipeline
}

// Summary is the answer to a provider's delivery.
type Summary struct {
	Received   int `json:"received"`
	Recorded   int `json:"recorded"`
	Duplicates int `json:"duplicates"`
	Ignored    int `json:"ignored"` // unknown types, or about no message of the workspace
}

// settingsOf is the workspace's settings of a channel in effect (the
// environment's when it has none).
func (s *Service) settingsOf(ctx context.Context, ws, channel string) (settings.Values, error) {
	v, err := s.Channels.Settings(ctx, ws, channel)
	if err != nil {
		return nil, fmt.Errorf("webhook settings of %s: %w", ws, err)
	}
	return v, nil
}

// readBody reads a delivery's body (bounded by its reader), refusing one
// that cannot be read (ErrTooLarge).
func readBody(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, store.Refuse(store.ErrTooLarge, "the body could not be read: "+err.Error())
	}
	return b, nil
}

// malformed refuses a body whose field is not what the provider sends,
// naming it.
func malformed(field, message string) error {
	return store.Refuse(store.ErrMalformed, field+": "+message, jsonfields.Error{Field: field, Message: message})
}

// stale says whether an event that happened at at is past the receipt
// window: its receipt may have been pruned, so it is never applied (it
// could be applied twice).
func stale(at time.Time) bool {
	return time.Since(at) > store.WebhookReceiptWindow
}
