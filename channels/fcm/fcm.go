// Package fcm sends push notifications through Firebase Cloud Messaging's
// HTTP v1 API with the official Firebase Admin SDK (firebase.google.com/go/v4).
package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"github.com/tabiji/tabiji/channels"
)

// Config configures the FCM sender.
type Config struct {
	// CredentialsFile is a Firebase service account key (JSON); the project
	// ID comes from it.
	CredentialsFile string
	// CredentialsJSON is the key itself, as a workspace's stored settings
	// hold it; it wins over CredentialsFile.
	CredentialsJSON []byte
	// BaseURL replaces https://fcm.googleapis.com (the SDK's endpoint is
	// BaseURL + "/v1"); empty for the real service.
	BaseURL string
}

// Sender sends push notifications to FCM registration tokens.
type Sender struct {
	client *messaging.Client
}

// NewSender returns an FCM sender. The SDK takes its endpoint from
// option.WithEndpoint, which is how BaseURL reaches it; OAuth tokens come
// from the service account's token_uri.
func NewSender(ctx context.Context, cfg Config) (*Sender, error) {
	var opts []option.ClientOption
	switch {
	case len(cfg.CredentialsJSON) > 0:
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, cfg.CredentialsJSON))
	case cfg.CredentialsFile != "":
		opts = append(opts, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.CredentialsFile))
	default:
		return nil, errors.New("fcm: a service account key (file or JSON) is required")
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithEndpoint(strings.TrimRight(cfg.BaseURL, "/")+"/v1"))
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("fcm: create app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("fcm: create messaging client: %w", err)
	}
	return &Sender{client: client}, nil
}

// UnregisteredTokenError is the permanent failure of a token FCM no longer
// knows (UNREGISTERED, SENDER_ID_MISMATCH, or an INVALID_ARGUMENT naming the
// registration token): the caller should forget the address. Send also sets
// Result.RemoveAddress with it.
type UnregisteredTokenError struct {
	channels.PermanentError
}

// Unwrap makes channels.IsPermanent see the permanent error.
func (e *UnregisteredTokenError) Unwrap() error { return &e.PermanentError }

// Send sends one notification to the token m.To. Push.Data is sent as the
// data payload with the deep link under "deep_link" and the message ID
// under "tabiji_message_id", so an app can report opens.
func (s *Sender) Send(ctx context.Context, m channels.Message) (channels.Result, error) {
	if m.Push == nil {
		return channels.Result{}, &channels.PermanentError{Reason: "fcm: message " + m.ID + " has no push content"}
	}
	data := map[string]string{"tabiji_message_id": m.ID}
	for k, v := range m.Push.Data {
		data[k] = v
	}
	if m.Push.DeepLink != "" {
		data["deep_link"] = m.Push.DeepLink
	}
	id, err := s.client.Send(ctx, &messaging.Message{
		Token:        m.To,
		Notification: &messaging.Notification{Title: m.Push.Title, Body: m.Push.Body, ImageURL: m.Push.ImageURL},
		Data:         data,
	})
	if err != nil {
		return classify(m.ID, err)
	}
	return channels.Result{ProviderID: id}, nil
}

// classify maps the SDK's error codes onto the channels error classes.
func classify(id string, err error) (channels.Result, error) {
	status := 0
	if res := errorutils.HTTPResponse(err); res != nil { //nolint:bodyclose // the SDK read and closed the body; this is its copy of the status and headers
		status = res.StatusCode
	}
	switch {
	case messaging.IsUnregistered(err), messaging.IsSenderIDMismatch(err),
		messaging.IsInvalidArgument(err) && strings.Contains(strings.ToLower(err.Error()), "registration token"):
		return channels.Result{RemoveAddress: true}, &UnregisteredTokenError{channels.PermanentError{Reason: err.Error(), Status: status}}
	case messaging.IsQuotaExceeded(err):
		return channels.Result{}, &channels.RateLimitError{Status: status, RetryAfter: retryAfter(errorutils.HTTPResponse(err))} //nolint:bodyclose // as above
	case messaging.IsInvalidArgument(err), messaging.IsThirdPartyAuthError(err),
		errorutils.IsUnauthenticated(err), errorutils.IsPermissionDenied(err):
		return channels.Result{}, &channels.PermanentError{Reason: err.Error(), Status: status}
	case status >= 500: // FCM answered without accepting (after the SDK's own retries)
		return channels.Result{}, fmt.Errorf("fcm: send %s: %w", id, &channels.TransientError{Status: status, Reason: err.Error()})
	default:
		return channels.Result{}, fmt.Errorf("fcm: send %s: %w", id, err)
	}
}

// retryAfter reads Retry-After (seconds); FCM asks for at least a minute
// after a quota error when it names no delay.
func retryAfter(res *http.Response) time.Duration {
	if res != nil {
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
			return time.Duration(secs) * time.Second
		}
	}
	return time.Minute
}
