// Package channels holds what every delivery channel shares: the rendered
// Message, the provider's Result, the Sender interface each channel
// implements, and the error classes that tell the caller whether (and when)
// a failed send may be retried.
package channels

import (
	"context"
	"encoding/json"
	"time"
)

// Message is one rendered message to one address.
type Message struct {
	ID          string // Tabiji's message ID (deterministic from run and step): the idempotency key
	WorkspaceID string
	CustomerID  string
	WorkflowID  string
	NodeID      string
	Channel     string // "email", "line", "push", "sms"
	To          string // email address, LINE user ID, push token, or phone number in E.164
	Email       *Email
	LINE        []json.RawMessage // LINE message objects as the Messaging API defines them (text, image, flex, … with quickReply)
	Push        *Push
	SMS         *SMS
	// StatusCallback is where the provider reports the message's delivery
	// (Twilio's status callback), naming the message; "" for none.
	StatusCallback string
	Categories     []string // email categories / analytics tags
	Topic          string   // the consent topic ("promotions"), "" for the channel as a whole
}

// Email is the content of an email message.
type Email struct {
	From, FromName, ReplyTo, Subject, HTML, Text, UnsubscribeURL string
	Sandbox                                                      bool
}

// Push is the content of a push notification.
type Push struct {
	Title, Body, ImageURL, DeepLink string
	Data                            map[string]string
}

// SMS is the content of a text message.
type SMS struct {
	Body string
}

// Result is what the provider answered.
type Result struct {
	ProviderID      string
	AlreadyAccepted bool // e.g. LINE 409 for a retry key already used
	RemoveAddress   bool // e.g. FCM unregistered token
}

// Sender sends messages of one channel.
type Sender interface {
	Send(ctx context.Context, m Message) (Result, error)
}

// PermanentError means retrying cannot help (invalid address, 400, 401, 403);
// Reason is shown on the message.
type PermanentError struct {
	Reason string
	Status int
}

// RateLimitError means the provider asked to retry after RetryAfter (from
// Retry-After or X-RateLimit-Reset).
type RateLimitError struct {
	RetryAfter time.Duration
	Status     int
}

// TransientError means the provider answered without accepting the message
// (a 5xx): retried with backoff, and sending it again cannot duplicate it.
type TransientError struct {
	Reason string
	Status int
}

// Any other error (a timeout, a connection lost mid-request) leaves it
// unknown whether the provider accepted the message: retried, but a sender
// that is not a Deduplicator is not called again for it (see activities.Send).

// Deduplicator is implemented by a sender whose provider drops a repeat of
// a message it already accepted, keyed by Message.ID (LINE's
// X-Line-Retry-Key): after an attempt whose outcome is unknown, such a
// sender may simply be called again.
type Deduplicator interface {
	Deduplicates() bool
}

// Addresser is implemented by a sender whose addresses are normalised
// before use (SMS: a phone number in E.164, read in the sender's region):
// suppressions and consent then see one form of each address.
type Addresser interface {
	Address(raw string) (string, error)
}

// Deduplicates reports whether s is a Deduplicator that says it deduplicates.
func Deduplicates(s Sender) bool {
	d, ok := s.(Deduplicator)
	return ok && d.Deduplicates()
}
