package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// EndedRun is a run that has ended, with the goal of the version it
// entered with: what a goal event after its end is judged by.
type EndedRun struct {
	RunKey     string
	JourneyID  string
	Version    int
	CustomerID string
	WorkflowID string
	EnteredAt  time.Time
	Holdout    bool
	Goal       json.RawMessage // its version's "goal"; null when it has none
	Variables  json.RawMessage // its version's "variables", which a goal match may read
}

// EndedRuns returns the ended runs of customer customerID (and of the ids
// merged into it: a run entered while the customer was anonymous keeps the
// anonymousId) in the given journeys that entered between from and to, in
// one query on journey_runs_ended_customer_idx (migration 00024).
func (s *Store) EndedRuns(ctx context.Context, workspaceID, customerID string, journeyIDs []string, from, to time.Time) ([]EndedRun, error) {
	rows, err := s.pool.Query(ctx, endedRunsSQL, workspaceID, customerID, journeyIDs, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the ended runs of %s: %w", customerID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (EndedRun, error) {
		var r EndedRun
		return r, row.Scan(&r.RunKey, &r.JourneyID, &r.Version, &r.CustomerID, &r.WorkflowID, &r.EnteredAt, &r.Holdout, &r.Goal, &r.Variables)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the ended runs of %s: %w", customerID, err)
	}
	return out, nil
}

// endedRunsSQL reads the candidate runs of a goal event: $1 workspace, $2
// customer, $3 journeys, $4 and $5 the range of entry times.
const endedRunsSQL = `
		SELECT r.run_key, r.journey_id, r.version, r.customer_id, r.workflow_id, r.entered_at, r.holdout,
		       COALESCE(v.definition -> 'goal', 'null'), COALESCE(v.definition -> 'variables', 'null')
		FROM journey_runs r
		JOIN journey_versions v ON v.workspace_id = r.workspace_id AND v.journey_id = r.journey_id AND v.version = r.version
		WHERE r.workspace_id = $1
		  AND r.customer_id = ANY(ARRAY[$2::text] || ARRAY(SELECT alias_id FROM profile_identities
		                                                  WHERE workspace_id = $1 AND profile_id = $2))
		  AND r.journey_id = ANY($3) AND r.entered_at >= $4 AND r.entered_at <= $5 AND r.exited_at IS NOT NULL
		ORDER BY r.run_key`
