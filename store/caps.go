package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// UncountedStatuses are the message statuses a frequency cap does not
// count: the customer never received the message (skipped before the
// provider, refused by it, or dropped or blocked on the way), and test sends.
var UncountedStatuses = []string{"skipped", "failed", "dropped", "blocked", "test"}

// FrequencyCaps returns a workspace's stored frequency caps (JSON, as the
// frequency package writes them), or ErrNotFound when it has none.
func (s *Store) FrequencyCaps(ctx context.Context, workspaceID string) (json.RawMessage, error) {
	return scanFrequencyCaps(s.pool.QueryRow(ctx, frequencyCapsSQL, workspaceID), workspaceID)
}

const frequencyCapsSQL = `SELECT caps FROM frequency_caps WHERE workspace_id = $1`

func scanFrequencyCaps(row pgx.Row, workspaceID string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := row.Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to get frequency caps of %q: %w", workspaceID, err)
	}
	return raw, nil
}

// PutFrequencyCaps replaces a workspace's frequency caps.
func (s *Store) PutFrequencyCaps(ctx context.Context, workspaceID string, caps json.RawMessage) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO frequency_caps (workspace_id, caps) VALUES ($1, $2)
		ON CONFLICT (workspace_id) DO UPDATE SET caps = EXCLUDED.caps, updated_at = now()`, workspaceID, caps)
	if err != nil {
		return fmt.Errorf("store: unable to put frequency caps of %q: %w", workspaceID, err)
	}
	return nil
}

// CountSentSince counts the messages a customer was sent on a channel, by
// any journey, created at or after since, leaving out UncountedStatuses and
// messages that went to the shop's own address (Message.Recipient).
func (s *Store) CountSentSince(ctx context.Context, workspaceID, customerID, channel string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FROM messages
		WHERE workspace_id = $1 AND customer_id = $2 AND channel = $3 AND created_at >= $4
		  AND status <> ALL($5) AND recipient = ''`, workspaceID, customerID, channel, since, UncountedStatuses).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to count %s messages to %q: %w", channel, customerID, err)
	}
	return n, nil
}
