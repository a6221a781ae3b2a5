package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AllowedOrigins returns the web origins whose pages may send the
// workspace's events (empty: none).
func (s *Store) AllowedOrigins(ctx context.Context, workspaceID string) ([]string, error) {
	var origins []string
	err := s.pool.QueryRow(ctx, `SELECT allowed_origins FROM workspaces WHERE id = $1`, workspaceID).Scan(&origins)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the allowed origins of %q: %w", workspaceID, err)
	}
	return origins, nil
}

// SetAllowedOrigins replaces the workspace's allowed origins; the caller
// has checked them (webcapture.CheckOrigins).
func (s *Store) SetAllowedOrigins(ctx context.Context, workspaceID string, origins []string) error {
	if origins == nil {
		origins = []string{}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE workspaces SET allowed_origins = $2 WHERE id = $1`, workspaceID, origins)
	if err != nil {
		return fmt.Errorf("store: unable to set the allowed origins of %q: %w", workspaceID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: unable to set the allowed origins of %q: %w", workspaceID, ErrNotFound)
	}
	return nil
}

// EveryAllowedOrigin returns the origins some workspace allows: a CORS
// preflight names no key, so it is answered for the union, and each
// workspace's own list is checked on the call itself.
func (s *Store) EveryAllowedOrigin(ctx context.Context) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT unnest(allowed_origins) FROM workspaces`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list allowed origins: %w", err)
	}
	origins, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list allowed origins: %w", err)
	}
	out := make(map[string]bool, len(origins))
	for _, o := range origins {
		out[o] = true
	}
	return out, nil
}
