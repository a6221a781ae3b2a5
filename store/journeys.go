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

// The statuses of a journey.
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

// UpdateJourney stores definition as the journey's next version. Runs keep
// the version they entered with; an active or paused journey enters new
// customers on the new version from now on. It returns ErrNotFound, and
// ErrConflict for an archived journey.
func (s *Store) UpdateJourney(ctx context.Context, workspaceID, id, name string, definition json.RawMessage) (Journey, error) {
	var j Journey
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status JourneyStatus
		var next int
		err := tx.QueryRow(ctx, `
			UPDATE journeys
			SET latest_version = latest_version + 1,
			    active_version = CASE WHEN status IN ('active', 'paused') THEN latest_version + 1 ELSE active_version END,
			    name = COALESCE(NULLIF($3, ''), name), updated_at = now()
			WHERE workspace_id = $1 AND id = $2
			RETURNING status, latest_version`, workspaceID, id, name).Scan(&status, &next)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if status == JourneyArchived {
			return ErrConflict
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO journey_versions (workspace_id, journey_id, version, definition)
			VALUES ($1, $2, $3, $4)`, workspaceID, id, next, definition); err != nil {
			return err
		}
		j, err = s.getJourney(ctx, tx, workspaceID, id)
		return err
	})
	if err != nil {
		return Journey{}, fmt.Errorf("store: unable to update journey %q: %w", id, err)
	}
	return j, nil
}

func (s *Store) getJourney(ctx context.Context, q pgx.Tx, workspaceID, id string) (Journey, error) {
	return scanJourney(q.QueryRow(ctx, `
		SELECT `+journeyColumns+`
		FROM journeys j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.latest_version
		WHERE j.workspace_id = $1 AND j.id = $2`, workspaceID, id))
}

// journeyMoves lists, for each status a journey can be moved to, the
// statuses it may come from.
var journeyMoves = map[JourneyStatus][]JourneyStatus{
	JourneyPaused:   {JourneyActive, JourneyPaused},
	JourneyActive:   {JourneyPaused, JourneyActive},
	JourneyArchived: {JourneyDraft, JourneyActive, JourneyPaused, JourneyArchived},
}

// SetJourneyStatus pauses, resumes (to active) or archives a journey. It
// returns ErrNotFound, and ErrConflict when the journey's status does not
// allow the move (only an active journey pauses, only a paused one resumes).
func (s *Store) SetJourneyStatus(ctx context.Context, workspaceID, id string, to JourneyStatus) (Journey, error) {
	from, ok := journeyMoves[to]
	if !ok {
		return Journey{}, fmt.Errorf("store: unable to set journey status %q: not a target status", to)
	}
	fromText := make([]string, len(from))
	for i, f := range from {
		fromText[i] = string(f)
	}
	var j Journey
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE journeys SET status = $3, updated_at = now()
			WHERE workspace_id = $1 AND id = $2 AND status = ANY($4)`, workspaceID, id, to, fromText)
		if err != nil {
			return err
		}
		j, err = s.getJourney(ctx, tx, workspaceID, id)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrConflict
		}
		return err
	})
	if err != nil {
		return j, fmt.Errorf("store: unable to set journey %q %s: %w", id, to, err)
	}
	return j, nil
}

// JourneyVersionInfo is one version of a journey, for the versions list.
type JourneyVersionInfo struct {
	Version    int
	Definition json.RawMessage
	CreatedAt  time.Time
}

// JourneyVersions lists every version of a journey, newest first. It
// returns ErrNotFound for a journey the workspace does not have.
func (s *Store) JourneyVersions(ctx context.Context, workspaceID, id string) ([]JourneyVersionInfo, error) {
	return listVersions(ctx, s, "journey", `
		SELECT version, definition, created_at FROM journey_versions
		WHERE workspace_id = $1 AND journey_id = $2 ORDER BY version DESC`, workspaceID, id,
		func(v *JourneyVersionInfo) []any { return []any{&v.Version, &v.Definition, &v.CreatedAt} })
}

// listVersions reads the versions of the workspace's journey or template
// id with query, each scanned into the fields cols names; none is
// ErrNotFound.
func listVersions[T any](ctx context.Context, s *Store, what, query, workspaceID, id string, cols func(*T) []any) ([]T, error) {
	rows, err := s.pool.Query(ctx, query, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list versions of %s %q: %w", what, id, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) {
		var v T
		err := row.Scan(cols(&v)...)
		return v, err
	})
	if err == nil && len(out) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to list versions of %s %q: %w", what, id, err)
	}
	return out, nil
}

// RoutableJourney is a journey whose runs may take events: active (it
// enters customers) or paused (it does not, but its runs go on).
type RoutableJourney struct {
	JourneyVersion
	Status JourneyStatus
	// Older are the definitions of its other versions, whose runs may still
	// wait for events the current version no longer uses.
	Older []json.RawMessage
	// WorkspaceTimezone is the workspace's zone, the journey's when its
	// definition names none.
	WorkspaceTimezone string
}

// RoutableJourneys returns the active and paused journeys of the workspace
// with their current version, ordered by journey id (byte order).
func (s *Store) RoutableJourneys(ctx context.Context, workspaceID string) ([]RoutableJourney, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT j.id, j.active_version, j.status, v.definition,
		       ARRAY(SELECT o.definition FROM journey_versions o
		             WHERE o.workspace_id = j.workspace_id AND o.journey_id = j.id AND o.version <> j.active_version
		             ORDER BY o.version),
		       w.timezone
		FROM journeys j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.active_version
		JOIN workspaces w ON w.id = j.workspace_id
		WHERE j.workspace_id = $1 AND j.status IN ('active', 'paused')
		ORDER BY j.id COLLATE "C"`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list routable journeys: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RoutableJourney, error) {
		var r RoutableJourney
		err := row.Scan(&r.JourneyID, &r.Version, &r.Status, &r.Definition, &r.Older, &r.WorkspaceTimezone)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list routable journeys: %w", err)
	}
	return out, nil
}

// ListJourneys returns the workspace's journeys, with their latest
// version's definition, ordered by id.
func (s *Store) ListJourneys(ctx context.Context, workspaceID string) ([]Journey, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+journeyColumns+`
		FROM journeys j
		JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.latest_version
		WHERE j.workspace_id = $1
		ORDER BY j.id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list journeys: %w", err)
	}
	journeys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Journey, error) { return scanJourney(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list journeys: %w", err)
	}
	return journeys, nil
}
