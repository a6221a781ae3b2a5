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
	SuppressSMSStop      = "sms_stop" // the number replied STOP (or 停止, …)
)

// Suppression is an address not to send to on a channel, whichever
// customer holds it.
type Suppression struct {
	WorkspaceID string
	Channel     string
	Address     string // email address, LINE user ID, push token or phone number (E.164)
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
// follows again, a customer who resubscribes), the hashed one an erased
// customer left too; it says whether it was there.
func (s *Store) Unsuppress(ctx context.Context, workspaceID, channel, address string) (bool, error) {
	var n int
	err := s.pool.QueryRow(ctx, `WITH clear AS (
			DELETE FROM suppressions WHERE workspace_id = $1 AND channel = $2 AND address = $3 RETURNING 1
		), hashed AS (
			DELETE FROM erased_suppressions e USING erasure_salts s
			WHERE s.workspace_id = $1 AND e.workspace_id = $1 AND e.channel = $2 AND e.hash = `+hashSQL("s.salt", "$2", "$3")+`
			RETURNING 1
		) SELECT (SELECT count(*) FROM clear) + (SELECT count(*) FROM hashed)`,
		workspaceID, channel, SuppressionAddress(channel, address)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: unable to unsuppress address: %w", err)
	}
	return n > 0, nil
}

// erasedSuppressionsOf finds, among addresses $3 (as SuppressionAddress
// keeps them) of channel $2 in workspace $1, those an erased customer left
// suppressed as salted hashes (store/erased.go), with the reason.
var erasedSuppressionsOf = `SELECT l.a, e.reason FROM erasure_salts s CROSS JOIN LATERAL unnest($3::text[]) AS l(a)
	JOIN LATERAL (SELECT reason FROM erased_suppressions
		WHERE workspace_id = $1 AND channel = $2 AND hash = ` + hashSQL("s.salt", "$2", "l.a") + ` LIMIT 1) AS e ON true
	WHERE s.workspace_id = $1`

// Suppressed returns the address's suppression, or ErrNotFound: a
// suppression an erased customer left (kept as a salted hash) counts.
func (s *Store) Suppressed(ctx context.Context, workspaceID, channel, address string) (Suppression, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT workspace_id, channel, address, reason, created_at FROM suppressions
		WHERE workspace_id = $1 AND channel = $2 AND address = $3
		UNION ALL
		SELECT workspace_id, channel, $3, reason, created_at FROM erased_suppressions
		WHERE workspace_id = $1 AND channel = $2
		  AND hash = (SELECT `+hashSQL("salt", "$2", "$3")+` FROM erasure_salts WHERE workspace_id = $1)
		LIMIT 1`, workspaceID, channel, SuppressionAddress(channel, address))
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

// ProfileSuppressions returns the suppressions of the profile's addresses
// (its email address, phone number, LINE user ID and push tokens), oldest
// first: what the customer page shows as the addresses Tabiji will not
// send to, and why.
func (s *Store) ProfileSuppressions(ctx context.Context, p Profile) ([]Suppression, error) {
	var chans, addrs []string
	add := func(channel, address string) {
		if address != "" {
			chans, addrs = append(chans, channel), append(addrs, SuppressionAddress(channel, address))
		}
	}
	add("email", p.Email)
	add("sms", p.Phone)
	add("line", p.LineUserID)
	for _, t := range p.PushTokens {
		add("push", t)
	}
	out := []Suppression{}
	if len(addrs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT s.workspace_id, s.channel, s.address, s.reason, s.created_at FROM suppressions s
		JOIN unnest($2::text[], $3::text[]) AS a(channel, address) ON s.channel = a.channel AND s.address = a.address
		WHERE s.workspace_id = $1 ORDER BY s.created_at, s.channel, s.address`, p.WorkspaceID, chans, addrs)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the profile's suppressions: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Suppression])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the profile's suppressions: %w", err)
	}
	return append(out, found...), nil
}
