package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// GlobalControl returns the share (percent) of a workspace's customers in
// its global control group, 0 when it has none.
func (s *Store) GlobalControl(ctx context.Context, workspaceID string) (float64, error) {
	return scanGlobalControl(s.pool.QueryRow(ctx, globalControlSQL, workspaceID), workspaceID)
}

const globalControlSQL = `SELECT percent::float8 FROM global_control WHERE workspace_id = $1`

func scanGlobalControl(row pgx.Row, workspaceID string) (float64, error) {
	var percent float64
	err := row.Scan(&percent)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: unable to get the global control group of %q: %w", workspaceID, err)
	}
	return percent, nil
}

// PutGlobalControl sets the share of a workspace's customers in its global
// control group (0 for none).
func (s *Store) PutGlobalControl(ctx context.Context, workspaceID string, percent float64) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO global_control (workspace_id, percent) VALUES ($1, $2)
		ON CONFLICT (workspace_id) DO UPDATE SET percent = EXCLUDED.percent, updated_at = now()`, workspaceID, percent)
	if err != nil {
		return fmt.Errorf("store: unable to put the global control group of %q: %w", workspaceID, err)
	}
	return nil
}
