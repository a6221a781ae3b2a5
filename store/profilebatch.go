package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProfileUpdate is one change to a profile, made at a time.
type ProfileUpdate struct {
	ID     string // any id of the profile: its canonical id or a merged one
	Change ProfileChange
	At     time.Time
}

// ChangeProfiles applies the updates in order, with ChangeProfile's rules,
// creating the profiles that are missing: one transaction of four
// statements however many updates there are (identify calls of a batch).
func (s *Store) ChangeProfiles(ctx context.Context, workspaceID string, updates []ProfileUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	ids := make([]string, 0, len(updates))
	for _, u := range updates {
		if u.ID == "" {
			return errors.New("store: unable to change profiles: empty id")
		}
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		byID, err := lockProfiles(ctx, tx, workspaceID, ids)
		if err != nil {
			return err
		}
		dirty := map[string]*Profile{}
		for _, u := range updates {
			p := byID[u.ID]
			*p = applyChange(*p, u.Change, u.At)
			dirty[p.ID] = p
		}
		return saveProfiles(ctx, tx, workspaceID, dirty)
	})
	if err != nil {
		return fmt.Errorf("store: unable to change profiles: %w", err)
	}
	return nil
}

// lockProfiles creates the missing profiles of ids and locks them all, in
// id order; it maps every id to its profile (merged ids share one).
func lockProfiles(ctx context.Context, tx pgx.Tx, workspaceID string, ids []string) (map[string]*Profile, error) {
	const resolved = `SELECT v.id, COALESCE(pi.profile_id, v.id) AS canonical FROM unnest($2::text[]) AS v(id)
		LEFT JOIN profile_identities pi ON pi.workspace_id = $1 AND pi.alias_id = v.id`
	if _, err := tx.Exec(ctx, `
		INSERT INTO profiles (workspace_id, id) SELECT DISTINCT $1, canonical FROM (`+resolved+`) r ORDER BY 2
		ON CONFLICT (workspace_id, id) DO NOTHING`, workspaceID, ids); err != nil {
		return nil, fmt.Errorf("create the profiles: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT r.id, `+profileColumns+` FROM (`+resolved+`) r
		JOIN profiles p ON p.workspace_id = $1 AND p.id = r.canonical
		ORDER BY p.id FOR UPDATE OF p`, workspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("lock the profiles: %w", err)
	}
	byID, byCanonical := map[string]*Profile{}, map[string]*Profile{}
	var id string
	for rows.Next() {
		p, err := scanProfile(prefixedRow{rows, &id})
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("lock the profiles: %w", err)
		}
		if byCanonical[p.ID] == nil {
			byCanonical[p.ID] = &p
		}
		byID[id] = byCanonical[p.ID]
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lock the profiles: %w", err)
	}
	return byID, nil
}

// prefixedRow scans one leading column into first, then the rest as row.
type prefixedRow struct {
	rows  pgx.Rows
	first *string
}

func (r prefixedRow) Scan(dest ...any) error {
	return r.rows.Scan(append([]any{r.first}, dest...)...)
}

// saveProfiles writes the changed profiles in one statement.
func saveProfiles(ctx context.Context, tx pgx.Tx, workspaceID string, dirty map[string]*Profile) error {
	var ids, traits, times, tags, tokens, emails, phones, lines, zones, locales []string
	for _, p := range dirty {
		t, err := json.Marshal(p.Traits)
		if err != nil {
			return fmt.Errorf("encode traits: %w", err)
		}
		at, _ := json.Marshal(p.TraitUpdatedAt) // times and strings always encode
		tg, _ := json.Marshal(nonNil(p.Tags))
		tk, _ := json.Marshal(nonNil(p.PushTokens))
		ids, traits, times, tags, tokens = append(ids, p.ID), append(traits, string(t)), append(times, string(at)), append(tags, string(tg)), append(tokens, string(tk))
		emails, phones, lines = append(emails, p.Email), append(phones, p.Phone), append(lines, p.LineUserID)
		zones, locales = append(zones, p.Timezone), append(locales, p.Locale)
	}
	_, err := tx.Exec(ctx, `
		UPDATE profiles p SET traits = v.traits::jsonb, trait_updated_at = v.times::jsonb,
			tags = ARRAY(SELECT jsonb_array_elements_text(v.tags::jsonb)),
			push_tokens = ARRAY(SELECT jsonb_array_elements_text(v.tokens::jsonb)),
			email = v.email, phone = v.phone, line_user_id = v.line, timezone = v.tz, locale = v.locale, updated_at = now()
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
			AS v(id, traits, times, tags, tokens, email, phone, line, tz, locale)
		WHERE p.workspace_id = $1 AND p.id = v.id`,
		workspaceID, ids, traits, times, tags, tokens, emails, phones, lines, zones, locales)
	if err != nil {
		return fmt.Errorf("save the profiles: %w", err)
	}
	return nil
}

// UnmergedIDs returns those of ids that are not merged into another
// profile: an identify's anonymousId among them still has to be merged.
func (s *Store) UnmergedIDs(ctx context.Context, workspaceID string, ids []string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT v.id FROM unnest($2::text[]) AS v(id)
		WHERE NOT EXISTS (SELECT 1 FROM profile_identities WHERE workspace_id = $1 AND alias_id = v.id)`, workspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to look up merged ids: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to look up merged ids: %w", err)
	}
	return out, nil
}
