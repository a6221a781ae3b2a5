package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WorkspaceSecret is one named secret of a workspace. The store keeps
// Sealed as the opaque bytes it is given: sealing and opening are the
// secrets package's job.
type WorkspaceSecret struct {
	WorkspaceID string
	Name        string
	Sealed      []byte
	Fingerprint string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PutWorkspaceSecret stores the secret, replacing the workspace's secret
// of that name; created says whether it is new.
func (s *Store) PutWorkspaceSecret(ctx context.Context, sec WorkspaceSecret) (created bool, err error) {
	err = s.pool.QueryRow(ctx, `INSERT INTO workspace_secrets (workspace_id, name, sealed, fingerprint)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (workspace_id, name) DO UPDATE SET sealed = excluded.sealed, fingerprint = excluded.fingerprint, updated_at = now()
		RETURNING xmax = 0`, sec.WorkspaceID, sec.Name, sec.Sealed, sec.Fingerprint).Scan(&created)
	if err != nil {
		return false, fmt.Errorf("store: unable to put secret %q of %q: %w", sec.Name, sec.WorkspaceID, err)
	}
	return created, nil
}

// WorkspaceSecrets returns the workspace's secrets named in names (all of
// them when names is nil), by name.
func (s *Store) WorkspaceSecrets(ctx context.Context, workspaceID string, names []string) ([]WorkspaceSecret, error) {
	rows, err := s.pool.Query(ctx, `SELECT workspace_id, name, sealed, fingerprint, created_at, updated_at
		FROM workspace_secrets WHERE workspace_id = $1 AND ($2::text[] IS NULL OR name = ANY($2)) ORDER BY name`, workspaceID, names)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list secrets of %q: %w", workspaceID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WorkspaceSecret, error) {
		var sec WorkspaceSecret
		err := r.Scan(&sec.WorkspaceID, &sec.Name, &sec.Sealed, &sec.Fingerprint, &sec.CreatedAt, &sec.UpdatedAt)
		return sec, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list secrets of %q: %w", workspaceID, err)
	}
	return out, nil
}

// DeleteWorkspaceSecret removes the workspace's secret; ErrNotFound when
// it has none of that name.
func (s *Store) DeleteWorkspaceSecret(ctx context.Context, workspaceID, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM workspace_secrets WHERE workspace_id = $1 AND name = $2`, workspaceID, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: unable to delete secret %q of %q: %w", name, workspaceID, err)
	}
	return err
}
