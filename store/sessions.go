package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// OpenSession starts a browser session for an admin key and returns its
// token, which exists only in this return value (the cookie): 43 random
// base62 characters, about 256 bits. Expired sessions are swept here.
func (s *Store) OpenSession(ctx context.Context, key Key, ttl time.Duration) (string, error) {
	token := randomString(43, base62)
	_, err := s.pool.Exec(ctx, `
		WITH swept AS (DELETE FROM ui_sessions WHERE expires_at < now())
		INSERT INTO ui_sessions (token_hash, key_id, expires_at) VALUES ($1, $2, now() + $3::interval)`,
		hashSecret(token), key.ID, fmt.Sprintf("%d seconds", int(ttl.Seconds())))
	if err != nil {
		return "", fmt.Errorf("store: unable to open a session for key %s: %w", key.ID, err)
	}
	return token, nil
}

// SessionKey returns the key a session was opened with. It returns
// ErrNotFound when the token is unknown, expired, or its key revoked.
func (s *Store) SessionKey(ctx context.Context, token string) (Key, error) {
	var k Key
	err := s.pool.QueryRow(ctx, `
		SELECT k.id, k.workspace_id, k.role, k.name, k.created_at
		FROM ui_sessions s JOIN api_keys k ON k.id = s.key_id
		WHERE s.token_hash = $1 AND s.expires_at > now() AND k.revoked_at IS NULL`, hashSecret(token),
	).Scan(&k.ID, &k.WorkspaceID, &k.Role, &k.Name, &k.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: unable to find the session: %w", err)
	}
	return k, nil
}

// CloseSession ends a session (logging out); an unknown token is no error.
func (s *Store) CloseSession(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM ui_sessions WHERE token_hash = $1`, hashSecret(token)); err != nil {
		return fmt.Errorf("store: unable to close the session: %w", err)
	}
	return nil
}
