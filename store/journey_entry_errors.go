package store

import (
	"context"
	"fmt"
	"time"
)

// metricEntryError counts, per journey and reason, the entry events that
// entered nobody because the journey's entry filter could not be evaluated
// (the event itself is stored): journey stats list them as entryErrors.
const metricEntryError = "entry_error"

// CountEntryError adds one to the journey's count of entry events whose
// entry filter failed for reason (such as "cel_cost_limit") at time at.
func (s *Store) CountEntryError(ctx context.Context, workspaceID, journeyID string, version int, reason string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `SELECT journey_stat_bump($1, $2, $3, '', $4, $5, $6, 0)`,
		workspaceID, journeyID, metricEntryError, reason, version, at)
	if err != nil {
		return fmt.Errorf("store: unable to count an entry error of %q: %w", journeyID, err)
	}
	return nil
}
