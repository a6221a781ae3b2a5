package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PreferencePage is what a customer's preference page shows beside their
// consent: the locale to write it in (the customer's, else the
// workspace's) and the workspace's purposes of use (migration 00031).
type PreferencePage struct {
	Locale                 string
	PurposesJA, PurposesEN string
}

// PreferencePage reads the page's locale and purposes for customerID of
// workspaceID in one query; English and no purposes for a workspace that
// no longer exists (its links still open a page).
func (s *Store) PreferencePage(ctx context.Context, workspaceID, customerID string) (PreferencePage, error) {
	var p PreferencePage
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(NULLIF(p.locale, ''), w.locale), COALESCE(ps.purposes_ja, ''), COALESCE(ps.purposes_en, '')
		FROM workspaces w
		LEFT JOIN profiles p ON p.workspace_id = w.id AND p.id = $2
		LEFT JOIN privacy_settings ps ON ps.workspace_id = w.id
		WHERE w.id = $1`, workspaceID, customerID).Scan(&p.Locale, &p.PurposesJA, &p.PurposesEN)
	if errors.Is(err, pgx.ErrNoRows) {
		return PreferencePage{Locale: "en"}, nil
	}
	if err != nil {
		return PreferencePage{}, fmt.Errorf("store: unable to read the preference page's purposes: %w", err)
	}
	return p, nil
}
