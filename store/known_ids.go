package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// KnownIDs returns those of ids that stand for a known customer rather than
// an anonymous visitor: an id some call used as its userId, a profile with
// traits or an address, or an id already merged into a profile. The touch
// traits a visit's context leaves (first_touch_…, last_touch_…) do not make
// a visitor known. A client
// key (a page's) may merge only the others into the user it verified, or it
// could take over another customer's profile with its own valid hash.
func (s *Store) KnownIDs(ctx context.Context, workspaceID string, ids []string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT v.id FROM unnest($2::text[]) AS v(id)
		WHERE EXISTS (SELECT 1 FROM events e
		              WHERE e.workspace_id = $1 AND e.user_id = v.id AND e.anonymous_id <> v.id)
		   OR EXISTS (SELECT 1 FROM profiles p
		              WHERE p.workspace_id = $1 AND p.id = v.id
		                AND (EXISTS (SELECT 1 FROM jsonb_object_keys(p.traits) k
		                             WHERE k NOT LIKE 'first\_touch\_%' AND k NOT LIKE 'last\_touch\_%')
		                     OR p.email <> '' OR p.phone <> '' OR p.line_user_id <> ''
		                     OR cardinality(p.push_tokens) > 0))
		   OR EXISTS (SELECT 1 FROM profile_identities i WHERE i.workspace_id = $1 AND i.alias_id = v.id)`,
		workspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to look up known ids: %w", err)
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to look up known ids: %w", err)
	}
	return known, nil
}
