package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/locale"
)

// KeyInfo is a key as an operator lists it: never its secret.
type KeyInfo struct {
	Key
	RevokedAt *time.Time
}

// ListKeys lists the keys of a workspace, or of every workspace when
// workspaceID is "", oldest first.
func (s *Store) ListKeys(ctx context.Context, workspaceID string) ([]KeyInfo, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, workspace_id, role, name, created_at, revoked_at FROM api_keys
		WHERE $1 = '' OR workspace_id = $1
		ORDER BY workspace_id, created_at, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list API keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KeyInfo, error) {
		var k KeyInfo
		err := r.Scan(&k.ID, &k.WorkspaceID, &k.Role, &k.Name, &k.CreatedAt, &k.RevokedAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list API keys: %w", err)
	}
	return keys, nil
}

// RevokeKeyByID revokes a key of any workspace, for the operator's CLI, and
// returns it. It returns ErrNotFound for an unknown key.
func (s *Store) RevokeKeyByID(ctx context.Context, id string) (KeyInfo, error) {
	var k KeyInfo
	err := s.pool.QueryRow(ctx, `
		UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
		RETURNING id, workspace_id, role, name, created_at, revoked_at`, id).
		Scan(&k.ID, &k.WorkspaceID, &k.Role, &k.Name, &k.CreatedAt, &k.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return KeyInfo{}, fmt.Errorf("store: unable to revoke API key %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return KeyInfo{}, fmt.Errorf("store: unable to revoke API key %q: %w", id, err)
	}
	return k, nil
}

// RevokeWorkspaceKey revokes a key of the workspace and returns it; a key
// of another workspace is ErrNotFound, as an unknown one.
func (s *Store) RevokeWorkspaceKey(ctx context.Context, workspaceID, id string) (KeyInfo, error) {
	var k KeyInfo
	err := s.pool.QueryRow(ctx, `
		UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE workspace_id = $1 AND id = $2
		RETURNING id, workspace_id, role, name, created_at, revoked_at`, workspaceID, id).
		Scan(&k.ID, &k.WorkspaceID, &k.Role, &k.Name, &k.CreatedAt, &k.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return KeyInfo{}, fmt.Errorf("store: unable to revoke API key %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return KeyInfo{}, fmt.Errorf("store: unable to revoke API key %q: %w", id, err)
	}
	return k, nil
}

// Workspace is a tenant: every row belongs to one.
type Workspace struct {
	ID, Name  string
	CreatedAt time.Time
	// Settings are its time zone, language and currency.
	Settings locale.Settings
}

// ListWorkspaces lists every workspace by id.
func (s *Store) ListWorkspaces(ctx context.Context) ([]Workspace, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, created_at, timezone, locale, currency FROM workspaces ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list workspaces: %w", err)
	}
	ws, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Workspace, error) {
		var w Workspace
		err := r.Scan(&w.ID, &w.Name, &w.CreatedAt, &w.Settings.Timezone, &w.Settings.Locale, &w.Settings.Currency)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list workspaces: %w", err)
	}
	return ws, nil
}
