package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// IdentitySecret is a workspace's identity-verification secret as stored:
// sealed by the caller with the operator's secrets key, never in clear.
type IdentitySecret struct {
	Sealed    []byte
	RotatedAt time.Time
}

// IdentitySecret returns the workspace's sealed identity-verification
// secret, or ErrNotFound when it has none yet.
func (s *Store) IdentitySecret(ctx context.Context, workspaceID string) (IdentitySecret, error) {
	var sec IdentitySecret
	err := s.pool.QueryRow(ctx, `
		SELECT sealed, rotated_at FROM identity_verification_secrets WHERE workspace_id = $1`, workspaceID).
		Scan(&sec.Sealed, &sec.RotatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return IdentitySecret{}, fmt.Errorf("store: identity-verification secret of %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return IdentitySecret{}, fmt.Errorf("store: unable to read the identity-verification secret: %w", err)
	}
	return sec, nil
}

// EnsureIdentitySecret stores sealed as the workspace's secret unless it
// has one already, and returns the one in force: two processes creating it
// at once agree on one.
func (s *Store) EnsureIdentitySecret(ctx context.Context, workspaceID string, sealed []byte) (IdentitySecret, error) {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO identity_verification_secrets (workspace_id, sealed) VALUES ($1, $2)
		ON CONFLICT (workspace_id) DO NOTHING`, workspaceID, sealed)
	if pgCode(err) == foreignKeyViolation {
		return IdentitySecret{}, fmt.Errorf("store: unable to create the identity-verification secret: workspace %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return IdentitySecret{}, fmt.Errorf("store: unable to create the identity-verification secret: %w", err)
	}
	return s.IdentitySecret(ctx, workspaceID)
}

// RotateIdentitySecret replaces the workspace's secret with sealed: hashes
// made with the old one stop verifying.
func (s *Store) RotateIdentitySecret(ctx context.Context, workspaceID string, sealed []byte) (IdentitySecret, error) {
	sec := IdentitySecret{Sealed: sealed}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO identity_verification_secrets (workspace_id, sealed) VALUES ($1, $2)
		ON CONFLICT (workspace_id) DO UPDATE SET sealed = EXCLUDED.sealed, rotated_at = now()
		RETURNING rotated_at`, workspaceID, sealed).Scan(&sec.RotatedAt)
	if pgCode(err) == foreignKeyViolation {
		return IdentitySecret{}, fmt.Errorf("store: unable to rotate the identity-verification secret: workspace %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return IdentitySecret{}, fmt.Errorf("store: unable to rotate the identity-verification secret: %w", err)
	}
	return sec, nil
}

// IdentitySecretOrNew returns the workspace's secret, creating it on first
// use from what seal makes (a new secret, sealed), as EnsureIdentitySecret.
func (s *Store) IdentitySecretOrNew(ctx context.Context, workspaceID string, seal func() ([]byte, error)) (IdentitySecret, error) {
	sec, err := s.IdentitySecret(ctx, workspaceID)
	if !errors.Is(err, ErrNotFound) {
		return sec, err
	}
	sealed, err := seal()
	if err != nil {
		return IdentitySecret{}, err
	}
	return s.EnsureIdentitySecret(ctx, workspaceID, sealed)
}
