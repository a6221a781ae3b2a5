package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DateCandidate is a profile whose date trait may fall on a day that a date
// trigger looks for: Date is the trait's first ten characters
// ("1990-04-12"), Timezone the profile's zone ("" when unknown).
type DateCandidate struct {
	ID       string
	Date     string
	Timezone string
}

// DateCandidates pages, in ID order after after, the workspace's profiles
// whose trait property (a dotted path) is a date whose month and day
// ("04-12", yearly) or whose date ("2026-12-10") is one of days. The
// caller decides, in each customer's own zone, which have reached the day.
func (s *Store) DateCandidates(ctx context.Context, workspaceID, property string, yearly bool, days []string, after string, limit int) ([]DateCandidate, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, left(traits #>> $2, 10), timezone FROM profiles
		WHERE workspace_id = $1 AND id > $5
		  AND (CASE WHEN $3 THEN substr(traits #>> $2, 6, 5) ELSE left(traits #>> $2, 10) END) = ANY($4)
		ORDER BY id LIMIT $6`,
		workspaceID, strings.Split(property, "."), yearly, days, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to find profiles by %s: %w", property, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DateCandidate])
	if err != nil {
		return nil, fmt.Errorf("store: unable to find profiles by %s: %w", property, err)
	}
	return out, nil
}
