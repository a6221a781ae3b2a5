package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// JourneyLayout is where the console draws a journey version's nodes
// (journey.Layout as JSON). Version is the version it was saved for: a
// version with no layout of its own reads the latest earlier one's; 0 and
// a nil Layout when no version up to the one asked has any.
type JourneyLayout struct {
	JourneyID string
	Version   int
	Layout    json.RawMessage
	UpdatedAt time.Time
}

// PutJourneyLayout stores the layout of a version of a journey, replacing
// the one it had. It returns ErrNotFound when the workspace has no such
// journey or version.
func (s *Store) PutJourneyLayout(ctx context.Context, workspaceID, journeyID string, version int, layout json.RawMessage) (JourneyLayout, error) {
	l := JourneyLayout{JourneyID: journeyID, Version: version}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO journey_layouts (workspace_id, journey_id, version, layout)
		SELECT workspace_id, journey_id, version, $4 FROM journey_versions
		WHERE workspace_id = $1 AND journey_id = $2 AND version = $3
		ON CONFLICT (workspace_id, journey_id, version) DO UPDATE SET layout = EXCLUDED.layout, updated_at = now()
		RETURNING layout, updated_at`, workspaceID, journeyID, version, layout).Scan(&l.Layout, &l.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return JourneyLayout{}, fmt.Errorf("store: unable to put the layout of journey %q version %d: %w", journeyID, version, err)
	}
	return l, nil
}

// GetJourneyLayout reads the layout a version of a journey is drawn with
// (version 0: the latest version): its own, else the latest earlier
// version's. It returns ErrNotFound when the workspace has no such journey.
func (s *Store) GetJourneyLayout(ctx context.Context, workspaceID, journeyID string, version int) (JourneyLayout, error) {
	l := JourneyLayout{JourneyID: journeyID}
	var found *int // NULLs when no version up to the one asked has a layout
	var at *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT l.version, l.layout, l.updated_at
		FROM journeys j
		LEFT JOIN LATERAL (
			SELECT version, layout, updated_at FROM journey_layouts
			WHERE workspace_id = j.workspace_id AND journey_id = j.id
			  AND version <= CASE WHEN $3 > 0 THEN $3 ELSE j.latest_version END
			ORDER BY version DESC LIMIT 1) l ON true
		WHERE j.workspace_id = $1 AND j.id = $2`, workspaceID, journeyID, version).Scan(&found, &l.Layout, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return JourneyLayout{}, fmt.Errorf("store: unable to get the layout of journey %q: %w", journeyID, err)
	}
	if found != nil && at != nil {
		l.Version, l.UpdatedAt = *found, *at
	}
	return l, nil
}
