package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// JourneyOverview is one journey as the console's list shows it: its
// status and latest version, and the runs that entered it since a time,
// those that converted and the revenue attributed to them.
type JourneyOverview struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Status    JourneyStatus `json:"status"`
	Version   int           `json:"version"`
	Entered   int64         `json:"entered"`
	Converted int64         `json:"converted"`
	Revenue   float64       `json:"revenue"`
	CVR       float64       `json:"cvr"`
}

// JourneysOverview lists the workspace's journeys by id with what they did
// from since on.
func (s *Store) JourneysOverview(ctx context.Context, workspaceID string, since time.Time) ([]JourneyOverview, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT j.id, j.name, j.status, j.latest_version,
			COALESCE(sum(c.n) FILTER (WHERE c.metric = 'entered'), 0)::bigint,
			COALESCE(sum(c.n) FILTER (WHERE c.metric = 'converted'), 0)::bigint,
			COALESCE(sum(c.amount) FILTER (WHERE c.metric = 'conversions'), 0)::float8
		FROM journeys j LEFT JOIN journey_stat_counters c
		  ON c.workspace_id = j.workspace_id AND c.journey_id = j.id AND c.metric IN ('entered', 'converted', 'conversions')
		 AND c.bucket >= date_bin('15 minutes', $2, timestamptz '2000-01-01 00:00:00+00')
		WHERE j.workspace_id = $1
		GROUP BY j.id, j.name, j.status, j.latest_version ORDER BY j.id`, workspaceID, since)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the journeys' overview: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (JourneyOverview, error) {
		var j JourneyOverview
		err := row.Scan(&j.ID, &j.Name, &j.Status, &j.Version, &j.Entered, &j.Converted, &j.Revenue)
		j.CVR = ratio(j.Converted, j.Entered)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the journeys' overview: %w", err)
	}
	if out == nil {
		out = []JourneyOverview{}
	}
	return out, nil
}
