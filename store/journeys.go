package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// JourneyStatus is where a journey is in its life.
type JourneyStatus string

const (
	JourneyDraft    JourneyStatus = "draft"
	JourneyActive   JourneyStatus = "active" // customers enter it
	JourneyPaused   JourneyStatus = "paused"
	JourneyArchived JourneyStatus = "archived"
)

// Journey is a journey with the definition of its latest version.
type Journey struct {
	WorkspaceID   string
	ID            string
	Name          string
	Status        JourneyStatus
	LatestVersion int
	ActiveVersion int // 0 = never activated
	Definition    json.RawMessage
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// JourneyVersion is one version of a journey's definition.
type JourneyVersion struct {
	JourneyID  string
	Version    int
	Definition json.RawMessage
}

// journeyColumns reads a journey joined to its latest version (j, v).
const journeyColumns = `j.workspace_id, j.id, j.name, j.status, j.latest_version,
	COALESCE(j.active_version, 0), v.definition, j.created_at, j.updated_at`

func scanJourney(row pgx.Row) (Journey, error) {
	var j Journey
	err := row.Scan(&j.WorkspaceID, &j.ID, &j.Name, &j.Status, &j.LatestVersion,
		&j.ActiveVersion, &j.Definition, &j.CreatedAt, &j.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Journey{}, ErrNotFound
	}
	return j, err
}

// CreateJourney creates a draft journey whose version 1 is definition. It
// returns ErrConflict when the workspace has a journey with this id, and
// ErrNotFound when the workspace does not exist.
func (s *Store) CreateJourney(ctx context.Context, workspaceID, id, name string, definition json.RawMessage) (Journey, error) {
	if len(definition) == 0 {
		return Journey{}, errors.New("store: unable to create journey: empty definition")
	}
	var j Journey
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO journeys (workspace_id, id, name, latest_version)
			VALUES ($1, $2, $3, 1)`, workspaceID, id, name)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO journey_versions (workspace_id, journey_id, version, definition)
			VALUES ($1, $2, 1, $3)`, workspaceID, id, definition)
		if err != nil {
			return err
		}
		j, err = scanJourney(tx.QueryRow(ctx, `
			SELECT `+journeyColumns+`
			FROM journeys j
			JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.latest_version
			WHERE j.workspace_id = $1 AND j.id = $2`, workspaceID, id))
		return err
	})
	switch pgCode(err) {
	case uniqueViolation:
		return Journey{}, fmt.Errorf("store: unable to create journey %q: %w", id, ErrConflict)
	case foreignKeyViolation:
		return Journey{}, fmt.Errorf("store: unable to create journey: workspace %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return Journey{}, fmt.Errorf("store: unable to create journey: %w", err)
	}
	return j, nil
}

// GetJourney returns the journey with the definition of its latest version,
// or ErrNotFound.
func (s *Store) GetJourney(ctx context.Context, workspaceID, id string) (Journey, error) {
	j, err := scanJourney(s.pool.QueryRow(ctx, `
		SELECT `+journeyColumns+`
		FROM journeys j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.latest_version
		WHERE j.workspace_id = $1 AND j.id = $2`, workspaceID, id))
	if err != nil {
		return Journey{}, fmt.Errorf("store: unable to get journey %q: %w", id, err)
	}
	return j, nil
}

// ActivateJourney makes the journey's latest version the one customers
// enter from now on, and its status active. It returns ErrNotFound.
func (s *Store) ActivateJourney(ctx context.Context, workspaceID, id string) (Journey, error) {
	j, err := scanJourney(s.pool.QueryRow(ctx, `
		WITH j AS (
			UPDATE journeys
			SET status = 'active', active_version = latest_version, updated_at = now()
			WHERE workspace_id = $1 AND id = $2
			RETURNING *
		)
		SELECT `+journeyColumns+`
		FROM j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.latest_version`,
		workspaceID, id))
	if err != nil {
		return Journey{}, fmt.Errorf("store: unable to activate journey %q: %w", id, err)
	}
	return j, nil
}

// ActiveJourneys returns the active version of every active journey of the
// workspace, ordered by journey id (byte order, as Go sorts strings).
func (s *Store) ActiveJourneys(ctx context.Context, workspaceID string) ([]JourneyVersion, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT j.id, j.active_version, v.definition
		FROM journeys j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.active_version
		WHERE j.workspace_id = $1 AND j.status = 'active'
		ORDER BY j.id COLLATE "C"`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list active journeys: %w", err)
	}
	versions, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (JourneyVersion, error) {
		var jv JourneyVersion
		err := row.Scan(&jv.JourneyID, &jv.Version, &jv.Definition)
		return jv, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list active journeys: %w", err)
	}
	return versions, nil
}
