package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/phone"
)

// FindProfiles finds the profiles that q names: a customer id (or an id
// merged into one), an email address (any case), a phone number in any of
// the digit forms a stored number may have, or a LINE user id. It returns
// at most limit, by id.
func (s *Store) FindProfiles(ctx context.Context, workspaceID, q string, limit int) ([]Profile, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return []Profile{}, nil
	}
	digits := []string{}
	if e164, err := phone.E164(q, "JP"); err == nil {
		digits = phone.Digits(e164)
	}
	// Each way of naming a customer is its own indexed lookup, and the ids
	// they find are read by the primary key: written as one OR, Postgres
	// walked the primary key in id order testing every profile (9.7 s at a
	// million profiles; BenchmarkConsolePages).
	rows, err := s.pool.Query(ctx, `
		SELECT `+profileColumns+` FROM profiles p
		WHERE p.workspace_id = $1 AND p.id = ANY(ARRAY(
			SELECT `+canonicalID+`
			UNION SELECT id FROM profiles WHERE workspace_id = $1 AND email <> '' AND lower(trim(email)) = lower($2)
			UNION SELECT id FROM profiles WHERE workspace_id = $1 AND line_user_id <> '' AND line_user_id = $2
			UNION SELECT id FROM profiles WHERE workspace_id = $1 AND phone <> '' AND regexp_replace(phone, '[^0-9]', '', 'g') = ANY($3)))
		ORDER BY p.id LIMIT $4`, workspaceID, q, digits, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to find profiles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Profile, error) { return scanProfile(row) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to find profiles: %w", err)
	}
	if out == nil {
		out = []Profile{}
	}
	return out, nil
}
