package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Suppression reasons.
const (
	SuppressHardBounce   = "hard_bounce"
	SuppressSpamReport   = "spam_report"
	SuppressUnsubscribe  = "unsubscribe"
	SuppressLineUnfollow = "line_unfollow"
	SuppressInvalid      = "invalid"
)

// Suppression is an address not to send to on a channel, whichever
// customer holds it.
type Suppression struct {
	WorkspaceID string
	Channel     string
	Address     string // email address, LINE user ID or push token
	Reason      string
	CreatedAt   time.Time
}

// SuppressionAddress is how an address is kept and looked up in the
// suppressions: an email address trimmed and lowercased (SendGrid reports
// "Aiko@Example.com" as the customer typed it, the profile may hold
// "aiko@example.com"; mailbox providers treat them as one), any other
// address as it is (LINE user IDs and push tokens are case-sensitive).
func SuppressionAddress(channel, address string) string {
	if channel == "email" {
		return strings.ToLower(strings.TrimSpace(address))
	}
	return address
}

// Suppress adds the address to the workspace's suppressions; an address
// already suppressed keeps its first reason and date.
func (s *Store) Suppress(ctx context.Context, sp Suppression) error {
	sp.Address = SuppressionAddress(sp.Channel, sp.Address)
	if sp.WorkspaceID == "" || sp.Channel == "" || sp.Address == "" {
		return errors.New("store: unable to suppress address: workspace, channel and address are required")
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO suppressions (workspace_id, channel, address, reason)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		sp.WorkspaceID, sp.Channel, sp.Address, sp.Reason)
	if err != nil {
		return fmt.Errorf("store: unable to suppress address: %w", err)
	}
	return nil
}

// Unsuppress removes the address from the suppressions (a LINE user who
// follows again, a customer who resubscribes); it says whether it was there.
func (s *Store) Unsuppress(ctx context.Context, workspaceID, channel, address string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM suppressions WHERE workspace_id = $1 AND channel = $2 AND address = $3`,
		workspaceID, channel, SuppressionAddress(channel, address))
	if err != nil {
		return false, fmt.Errorf("store: unable to unsuppress address: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Suppressed returns the address's suppression, or ErrNotFound.
func (s *Store) Suppressed(ctx context.Context, workspaceID, channel, address string) (Suppression, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT workspace_id, channel, address, reason, created_at FROM suppressions
		WHERE workspace_id = $1 AND channel = $2 AND address = $3`, workspaceID, channel, SuppressionAddress(channel, address))
	if err != nil {
		return Suppression{}, fmt.Errorf("store: unable to read suppression: %w", err)
	}
	sp, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Suppression])
	if errors.Is(err, pgx.ErrNoRows) {
		return Suppression{}, ErrNotFound
	}
	if err != nil {
		return Suppression{}, fmt.Errorf("store: unable to read suppression: %w", err)
	}
	return sp, nil
}

// RemovePushToken takes a push token the provider no longer knows (FCM
// UNREGISTERED) off every profile of the workspace that holds it, so no
// later send picks it; it returns how many profiles held it.
func (s *Store) RemovePushToken(ctx context.Context, workspaceID, token string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE profiles SET push_tokens = array_remove(push_tokens, $2), updated_at = now()
		WHERE workspace_id = $1 AND $2 = ANY(push_tokens)`, workspaceID, token)
	if err != nil {
		return 0, fmt.Errorf("store: unable to remove push token: %w", err)
	}
	return tag.RowsAffected(), nil
}
