// Package linerelay forwards every verified LINE webhook to the shop's
// other endpoints (the LINE channel's relayUrls setting), so that Tabiji
// can take the channel's one webhook URL without the shop removing the
// LINE tools it already runs. The webhook handler records the body once
// per endpoint in an outbox (store.EnqueueLineRelays) before it answers
// LINE; a Relayer delivers the outbox afterwards, re-signed with the
// channel secret as LINE signs (x-line-signature), through the outbound
// client (public addresses only, bounded timeouts, no redirects), retrying
// with backoff. Nothing waits on an endpoint, and a crash loses nothing:
// a row is delivered at least once, and the endpoints tell repeats apart
// by webhookEventId as they do LINE's redeliveries.
package linerelay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/store"
)

// Defaults of a Relayer.
const (
	DefaultAttempts = 10               // about 2.5 hours of backoff in all
	DefaultTimeout  = 10 * time.Second // one call, answer included
	DefaultBatch    = 20
	DefaultBackoff  = 10 * time.Second
	parallel        = 8
	maxBackoff      = time.Hour
	// Kept is how long a delivered or given-up relay's row stays (its body
	// is gone): the same body is not relayed twice within it.
	Kept = 7 * 24 * time.Hour
)

// Relayer delivers the outbox of LINE webhook relays.
type Relayer struct {
	Store *store.Store
	// Secret is the workspace's LINE channel secret in effect now.
	Secret func(ctx context.Context, workspaceID string) (string, error)
	Client *outbound.Client
	Logger *slog.Logger
	// Attempts is how many calls a relay gets before it is given up;
	// Timeout bounds each; Backoff is the wait after the first failure,
	// doubled after each (at most an hour). Zero takes the default.
	Attempts int
	Timeout  time.Duration
	Backoff  time.Duration
}

// Signature is LINE's x-line-signature of body: the base64 HMAC-SHA256
// of the body under the channel secret.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// RelayDue delivers the relays that are due, a batch at a time, several at
// once, until none is left; it says how many calls it made.
func (r *Relayer) RelayDue(ctx context.Context) (int, error) {
	lease := r.timeout() + 30*time.Second // past any call in flight
	calls := 0
	for ctx.Err() == nil {
		due, err := r.Store.ClaimLineRelays(ctx, DefaultBatch, lease)
		if err != nil || len(due) == 0 {
			return calls, err
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(parallel)
		for _, rel := range due {
			g.Go(func() error { return r.relay(gctx, rel) })
		}
		if err := g.Wait(); err != nil {
			return calls, err
		}
		calls += len(due)
	}
	return calls, ctx.Err()
}

// Run relays what is due every interval, and prunes rows past Kept, until
// ctx ends.
func (r *Relayer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.RelayDue(ctx); err != nil && ctx.Err() == nil {
			r.log().Warn("LINE webhook relay failed; the next run tries again", "error", err)
		}
		if _, err := r.Store.PruneLineRelays(ctx, time.Now().Add(-Kept), 1000); err != nil && ctx.Err() == nil {
			r.log().Warn("pruning LINE webhook relays failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// relay makes one call and records its outcome; only a failure to record
// is an error (the lease then brings the row back).
func (r *Relayer) relay(ctx context.Context, rel store.LineRelay) error {
	callErr := r.call(ctx, rel)
	if callErr == nil {
		return r.Store.LineRelayDelivered(ctx, rel.ID)
	}
	var refused *outbound.RefusedError
	next := time.Now().Add(r.backoff(rel.Attempts))
	if errors.As(callErr, &refused) || rel.Attempts+1 >= r.attempts() {
		next = time.Time{} // given up: the host is never allowed, or it had every try
	}
	r.log().Warn("LINE webhook relay call failed", "workspace", rel.WorkspaceID, "url", rel.URL,
		"attempt", rel.Attempts+1, "given_up", next.IsZero(), "error", callErr)
	return r.Store.LineRelayFailed(ctx, rel.ID, next, callErr.Error())
}

// call posts the body, re-signed, and wants a 2xx answer.
func (r *Relayer) call(ctx context.Context, rel store.LineRelay) error {
	secret, err := r.Secret(ctx, rel.WorkspaceID)
	if err != nil {
		return fmt.Errorf("read the channel secret: %w", err)
	}
	if secret == "" {
		return errors.New("the workspace has no LINE channel secret to sign with")
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rel.URL, bytes.NewReader(rel.Body))
	if err != nil {
		return fmt.Errorf("make the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Line-Signature", Signature(secret, rel.Body))
	req.Header.Set("User-Agent", "Tabiji-LINE-webhook-relay")
	resp, err := r.Client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the endpoint answered %d", resp.StatusCode)
	}
	return nil
}

func (r *Relayer) backoff(attempts int) time.Duration {
	first := DefaultBackoff
	if r.Backoff > 0 {
		first = r.Backoff
	}
	return min(first<<min(attempts, 20), maxBackoff)
}

func (r *Relayer) attempts() int {
	if r.Attempts > 0 {
		return r.Attempts
	}
	return DefaultAttempts
}

func (r *Relayer) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r *Relayer) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}
