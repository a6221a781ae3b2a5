package store

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportProfiles applies the updates in order with ChangeProfile's rules
// (per trait, the later time wins; equal times apply again), creating the
// profiles that are missing, in one transaction. Profiles whose traits come
// out the same are not written, so importing a file twice at the same time
// changes nothing. It returns how many profiles changed.
func (s *Store) ImportProfiles(ctx context.Context, workspaceID string, updates []ProfileUpdate) (int, error) {
	if len(updates) == 0 {
		return 0, nil
	}
	ids := make([]string, 0, len(updates))
	for _, u := range updates {
		if u.ID == "" {
			return 0, fmt.Errorf("store: unable to import profiles: empty id")
		}
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	changed := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		byID, err := lockProfiles(ctx, tx, workspaceID, slices.Compact(ids))
		if err != nil {
			return err
		}
		before := map[string]Profile{}
		for _, p := range byID {
			before[p.ID] = *p
		}
		for _, u := range updates {
			p := byID[u.ID]
			*p = applyChange(*p, u.Change, u.At)
		}
		dirty := map[string]*Profile{}
		for _, p := range byID {
			if !sameTraits(before[p.ID], *p) {
				dirty[p.ID] = p
			}
		}
		changed = len(dirty)
		if len(dirty) == 0 {
			return nil
		}
		return saveProfiles(ctx, tx, workspaceID, dirty)
	})
	if err != nil {
		return 0, fmt.Errorf("store: unable to import profiles: %w", err)
	}
	return changed, nil
}

// sameTraits reports whether a and b hold the same traits as of the same times.
func sameTraits(a, b Profile) bool {
	return maps.EqualFunc(a.Traits, b.Traits, func(x, y any) bool { return reflect.DeepEqual(x, y) }) &&
		maps.EqualFunc(a.TraitUpdatedAt, b.TraitUpdatedAt, time.Time.Equal)
}

// ProfileIDs returns a page of the workspace's profile ids in order, after
// the id after ("" for the first page).
func (s *Store) ProfileIDs(ctx context.Context, workspaceID, after string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM profiles WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		workspaceID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list profile ids: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list profile ids: %w", err)
	}
	return out, nil
}

// GetProfiles returns the profiles of canonical ids that exist, in id order.
func (s *Store) GetProfiles(ctx context.Context, workspaceID string, ids []string) ([]Profile, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+profileColumns+` FROM profiles p
		WHERE p.workspace_id = $1 AND p.id = ANY($2) ORDER BY p.id`, workspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to get profiles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Profile, error) { return scanProfile(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to get profiles: %w", err)
	}
	return out, nil
}
