package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LineRelay is one verified LINE webhook body to deliver to one of the
// shop's other endpoints.
type LineRelay struct {
	ID          int64
	WorkspaceID string
	URL         string
	Body        []byte
	Attempts    int // made before this one
	ReceivedAt  time.Time
}

// LineRelayState is what became of a relay, for the tests and the log.
type LineRelayState struct {
	URL         string
	Attempts    int
	DeliveredAt *time.Time
	FailedAt    *time.Time
	LastError   string
}

// EnqueueLineRelays records body for each URL in one statement, before
// the webhook is answered; the same body for the same URL (a client's
// retry) is recorded once.
func (s *Store) EnqueueLineRelays(ctx context.Context, workspaceID string, urls []string, body []byte) error {
	sum := sha256.Sum256(body)
	_, err := s.pool.Exec(ctx, `INSERT INTO line_webhook_relays (workspace_id, url, body_sha256, body)
		SELECT $1, u, $3, $4 FROM unnest($2::text[]) u
		ON CONFLICT (workspace_id, url, body_sha256) DO NOTHING`, workspaceID, urls, sum[:], body)
	if err != nil {
		return fmt.Errorf("store: unable to record the LINE webhook relays of %q: %w", workspaceID, err)
	}
	return nil
}

// ClaimLineRelays takes up to limit relays that are due, oldest first,
// and leases them: none is due again before lease has passed, so two
// relays running at once never deliver the same row together, and a relay
// that dies mid-call leaves its rows to be taken again after the lease.
func (s *Store) ClaimLineRelays(ctx context.Context, limit int, lease time.Duration) ([]LineRelay, error) {
	rows, err := s.pool.Query(ctx, `UPDATE line_webhook_relays r SET next_at = now() + $2::interval
		FROM (SELECT id FROM line_webhook_relays WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= now()
			ORDER BY next_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) due
		WHERE r.id = due.id
		RETURNING r.id, r.workspace_id, r.url, r.body, r.attempts, r.received_at`, limit, lease)
	if err != nil {
		return nil, fmt.Errorf("store: unable to claim LINE webhook relays: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LineRelay, error) {
		var r LineRelay
		return r, row.Scan(&r.ID, &r.WorkspaceID, &r.URL, &r.Body, &r.Attempts, &r.ReceivedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read LINE webhook relays: %w", err)
	}
	return out, nil
}

// LineRelayDelivered records a delivery and drops the body.
func (s *Store) LineRelayDelivered(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE line_webhook_relays SET delivered_at = now(), body = NULL,
		attempts = attempts + 1, last_error = '' WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: unable to record LINE webhook relay %d delivered: %w", id, err)
	}
	return nil
}

// LineRelayFailed records a failed attempt: tried again at next, or, with
// a zero next, given up (the body dropped).
func (s *Store) LineRelayFailed(ctx context.Context, id int64, next time.Time, reason string) error {
	_, err := s.pool.Exec(ctx, `UPDATE line_webhook_relays SET attempts = attempts + 1, last_error = $3,
		next_at = CASE WHEN $2::timestamptz IS NULL THEN next_at ELSE $2 END,
		failed_at = CASE WHEN $2::timestamptz IS NULL THEN now() END,
		body = CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE body END
		WHERE id = $1`, id, nullTime(next), reason)
	if err != nil {
		return fmt.Errorf("store: unable to record LINE webhook relay %d failed: %w", id, err)
	}
	return nil
}

// LineRelayStates lists the workspace's relays, oldest first.
func (s *Store) LineRelayStates(ctx context.Context, workspaceID string) ([]LineRelayState, error) {
	rows, err := s.pool.Query(ctx, `SELECT url, attempts, delivered_at, failed_at, last_error
		FROM line_webhook_relays WHERE workspace_id = $1 ORDER BY id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list LINE webhook relays: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LineRelayState, error) {
		var r LineRelayState
		return r, row.Scan(&r.URL, &r.Attempts, &r.DeliveredAt, &r.FailedAt, &r.LastError)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read LINE webhook relays: %w", err)
	}
	return out, nil
}

// PruneLineRelays deletes up to limit relays delivered or given up before
// cutoff, and says how many.
func (s *Store) PruneLineRelays(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM line_webhook_relays WHERE id IN (
		SELECT id FROM line_webhook_relays WHERE coalesce(delivered_at, failed_at) < $1 LIMIT $2)`, cutoff, limit)
	if err != nil {
		return 0, fmt.Errorf("store: unable to prune LINE webhook relays: %w", err)
	}
	return tag.RowsAffected(), nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
