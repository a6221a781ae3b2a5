package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LineLinkTTL is how long a link token and its nonce can be used: LINE's
// link tokens last 10 minutes.
const LineLinkTTL = 10 * time.Minute

// LineLink is one account link: the LINE user and the customer it joins.
type LineLink struct {
	LineUserID string
	CustomerID string
}

// IssueLineLinkToken records a link token LINE issued for a LINE user.
func (s *Store) IssueLineLinkToken(ctx context.Context, workspaceID, linkToken, lineUserID string, now time.Time) (time.Time, error) {
	expires := now.Add(LineLinkTTL)
	_, err := s.pool.Exec(ctx, `INSERT INTO line_account_links (workspace_id, link_token, line_user_id, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, link_token) DO NOTHING`,
		workspaceID, linkToken, lineUserID, now, expires)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: unable to record LINE link token: %w", err)
	}
	return expires, nil
}

// BindLineLinkNonce ties a nonce to the customer who logged in on the
// shop's site with the link token. A token Tabiji did not issue, expired,
// or already bound is ErrNotFound: each token binds one customer once.
func (s *Store) BindLineLinkNonce(ctx context.Context, workspaceID, linkToken, customerID, nonce string, now time.Time) (time.Time, error) {
	var expires time.Time
	err := s.pool.QueryRow(ctx, `UPDATE line_account_links SET nonce = $3, customer_id = $4, bound_at = $5
		WHERE workspace_id = $1 AND link_token = $2 AND nonce IS NULL AND expires_at > $5
		RETURNING expires_at`, workspaceID, linkToken, nonce, customerID, now).Scan(&expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, fmt.Errorf("store: LINE link token: %w", ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: unable to bind LINE link nonce: %w", err)
	}
	return expires, nil
}

// UseLineLinkNonce takes the nonce of an accountLink event, once: it
// returns the link when the nonce is bound, unused, unexpired and was
// issued for lineUserID, and marks it used; anything else is ErrNotFound.
func (s *Store) UseLineLinkNonce(ctx context.Context, workspaceID, nonce, lineUserID string, now time.Time) (LineLink, error) {
	var l LineLink
	err := s.pool.QueryRow(ctx, `UPDATE line_account_links SET used_at = $4
		WHERE workspace_id = $1 AND nonce = $2 AND line_user_id = $3 AND used_at IS NULL AND expires_at > $4
		RETURNING line_user_id, customer_id`, workspaceID, nonce, lineUserID, now).Scan(&l.LineUserID, &l.CustomerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return LineLink{}, fmt.Errorf("store: LINE link nonce: %w", ErrNotFound)
	}
	if err != nil {
		return LineLink{}, fmt.Errorf("store: unable to use LINE link nonce: %w", err)
	}
	return l, nil
}
