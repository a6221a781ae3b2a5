package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrBadTimezone is returned for a time zone that is not an IANA name.
var ErrBadTimezone = errors.New("store: not an IANA time zone")

// WorkspaceTimezone returns the workspace's time zone (IANA name, "UTC"
// unless set): daily statistics are cut at its midnights.
func (s *Store) WorkspaceTimezone(ctx context.Context, workspaceID string) (string, error) {
	var tz string
	err := s.pool.QueryRow(ctx, `SELECT timezone FROM workspaces WHERE id = $1`, workspaceID).Scan(&tz)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to read the time zone of %q: %w", workspaceID, err)
	}
	return tz, nil
}

// SetWorkspaceTimezone sets the workspace's time zone; tz must be an IANA
// name ("Asia/Tokyo") known to both Go and Postgres.
func (s *Store) SetWorkspaceTimezone(ctx context.Context, workspaceID, tz string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return fmt.Errorf("store: unable to set the time zone of %q to %q: %w", workspaceID, tz, ErrBadTimezone)
	}
	var known bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)`, tz).Scan(&known); err != nil {
		return fmt.Errorf("store: unable to check time zone %q: %w", tz, err)
	}
	if !known {
		return fmt.Errorf("store: unable to set the time zone of %q to %q: %w", workspaceID, tz, ErrBadTimezone)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE workspaces SET timezone = $2 WHERE id = $1`, workspaceID, tz)
	if err != nil {
		return fmt.Errorf("store: unable to set the time zone of %q: %w", workspaceID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: unable to set the time zone of %q: %w", workspaceID, ErrNotFound)
	}
	return nil
}
