package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/locale"
)

// ErrBadTimezone is returned for a time zone that is not an IANA name.
var ErrBadTimezone = errors.New("store: not an IANA time zone")

// WorkspaceTimezone returns the workspace's time zone (IANA name, "UTC"
// unless set): daily statistics are cut at its midnights.
func (s *Store) WorkspaceTimezone(ctx context.Context, workspaceID string) (string, error) {
	set, err := s.WorkspaceSettings(ctx, workspaceID)
	return set.Timezone, err
}

// SetWorkspaceTimezone sets the workspace's time zone; tz must be an IANA
// name ("Asia/Tokyo") known to both Go and Postgres.
func (s *Store) SetWorkspaceTimezone(ctx context.Context, workspaceID, tz string) error {
	if tz == "" {
		return fmt.Errorf("store: unable to set the time zone of %q to %q: %w", workspaceID, tz, ErrBadTimezone)
	}
	_, err := s.UpdateWorkspaceSettings(ctx, workspaceID, locale.Settings{Timezone: tz})
	return err
}

// WorkspaceSettings returns the workspace's time zone, language and
// currency (UTC, en and USD unless set).
func (s *Store) WorkspaceSettings(ctx context.Context, workspaceID string) (locale.Settings, error) {
	var set locale.Settings
	err := s.pool.QueryRow(ctx, `SELECT timezone, locale, currency FROM workspaces WHERE id = $1`, workspaceID).
		Scan(&set.Timezone, &set.Locale, &set.Currency)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return set, fmt.Errorf("store: unable to read the settings of workspace %q: %w", workspaceID, err)
	}
	return set, nil
}

// CreateWorkspace creates the workspace with its settings (defaults filling
// what set leaves empty) unless it exists, and says whether it did; an
// existing workspace keeps its name and settings. The settings must pass
// locale.Check; a zone Postgres does not know is ErrBadTimezone.
func (s *Store) CreateWorkspace(ctx context.Context, id, name string, set locale.Settings) (bool, error) {
	if id == "" {
		return false, errors.New("store: unable to create workspace: empty id")
	}
	set = set.Defaults()
	if err := s.knownZone(ctx, set.Timezone); err != nil {
		return false, fmt.Errorf("store: unable to create workspace %q: %w", id, err)
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO workspaces (id, name, timezone, locale, currency) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, id, name, set.Timezone, set.Locale, set.Currency)
	if err != nil {
		return false, fmt.Errorf("store: unable to create workspace %q: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// UpdateWorkspaceSettings changes the settings that change gives (a field
// left empty stays as it is) and returns them all. The given fields must
// pass locale.Check; a zone Postgres does not know is ErrBadTimezone.
func (s *Store) UpdateWorkspaceSettings(ctx context.Context, workspaceID string, change locale.Settings) (locale.Settings, error) {
	var set locale.Settings
	if change.Timezone != "" {
		if err := s.knownZone(ctx, change.Timezone); err != nil {
			return set, fmt.Errorf("store: unable to set the time zone of %q to %q: %w", workspaceID, change.Timezone, err)
		}
	}
	err := s.pool.QueryRow(ctx, `
		UPDATE workspaces SET timezone = COALESCE(NULLIF($2, ''), timezone),
		       locale = COALESCE(NULLIF($3, ''), locale), currency = COALESCE(NULLIF($4, ''), currency)
		WHERE id = $1
		RETURNING timezone, locale, currency`, workspaceID, change.Timezone, change.Locale, change.Currency).
		Scan(&set.Timezone, &set.Locale, &set.Currency)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return set, fmt.Errorf("store: unable to change the settings of workspace %q: %w", workspaceID, err)
	}
	return set, nil
}

// knownZone checks that tz is an IANA zone both Go and Postgres know:
// statistics cut days in SQL, journeys in Go.
func (s *Store) knownZone(ctx context.Context, tz string) error {
	if !locale.ValidTimezone(tz) {
		return ErrBadTimezone
	}
	var known bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)`, tz).Scan(&known); err != nil {
		return fmt.Errorf("check time zone %q: %w", tz, err)
	}
	if !known {
		return ErrBadTimezone
	}
	return nil
}
