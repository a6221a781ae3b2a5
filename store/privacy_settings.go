package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultProvisionRetentionMonths is how long records of third-party
// provision are kept when the workspace sets nothing: three years (APPI).
const DefaultProvisionRetentionMonths = 36

// PrivacySettings are a workspace's retention periods (0 months: kept until
// the customer is erased) and purposes of use (migration 00031).
type PrivacySettings struct {
	WorkspaceID              string
	EventRetentionMonths     int
	MessageRetentionMonths   int
	ProvisionRetentionMonths int
	PurposesJA, PurposesEN   string
	UpdatedAt                time.Time // zero while the workspace has the defaults
}

const privacyColumns = `workspace_id, COALESCE(event_retention_months, 0), COALESCE(message_retention_months, 0),
	provision_retention_months, purposes_ja, purposes_en, updated_at`

func scanPrivacy(row pgx.Row) (PrivacySettings, error) {
	var p PrivacySettings
	err := row.Scan(&p.WorkspaceID, &p.EventRetentionMonths, &p.MessageRetentionMonths, &p.ProvisionRetentionMonths,
		&p.PurposesJA, &p.PurposesEN, &p.UpdatedAt)
	return p, err
}

// PrivacySettings returns the workspace's privacy settings, the defaults
// when it set none; ErrNotFound for a workspace that does not exist.
func (s *Store) PrivacySettings(ctx context.Context, workspaceID string) (PrivacySettings, error) {
	p, err := readPrivacy(ctx, s.pool, workspaceID)
	if err != nil {
		return PrivacySettings{}, fmt.Errorf("store: unable to read the privacy settings of %q: %w", workspaceID, err)
	}
	return p, nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readPrivacy reads the settings, or the defaults.
func readPrivacy(ctx context.Context, q rowQuerier, workspaceID string) (PrivacySettings, error) {
	p, err := scanPrivacy(q.QueryRow(ctx, `SELECT `+privacyColumns+` FROM privacy_settings WHERE workspace_id = $1`, workspaceID))
	if !errors.Is(err, pgx.ErrNoRows) {
		return p, err
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = $1)`, workspaceID).Scan(&exists); err != nil {
		return PrivacySettings{}, err
	}
	if !exists {
		return PrivacySettings{}, ErrNotFound
	}
	return PrivacySettings{WorkspaceID: workspaceID, ProvisionRetentionMonths: DefaultProvisionRetentionMonths}, nil
}

// UpdatePrivacySettings changes the workspace's privacy settings with
// change (which checks them; its error is returned as it is) and returns
// them as stored. Two updates at once apply one after the other.
func (s *Store) UpdatePrivacySettings(ctx context.Context, workspaceID string, change func(PrivacySettings) (PrivacySettings, error)) (PrivacySettings, error) {
	var out PrivacySettings
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('privacy_settings/' || $1, 0))`, workspaceID); err != nil {
			return err
		}
		cur, err := readPrivacy(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		p, err := change(cur)
		if err != nil {
			return err
		}
		out, err = scanPrivacy(tx.QueryRow(ctx, `
			INSERT INTO privacy_settings AS p (workspace_id, event_retention_months, message_retention_months,
				provision_retention_months, purposes_ja, purposes_en)
			VALUES ($1, NULLIF($2, 0), NULLIF($3, 0), $4, $5, $6)
			ON CONFLICT (workspace_id) DO UPDATE SET event_retention_months = EXCLUDED.event_retention_months,
				message_retention_months = EXCLUDED.message_retention_months,
				provision_retention_months = EXCLUDED.provision_retention_months,
				purposes_ja = EXCLUDED.purposes_ja, purposes_en = EXCLUDED.purposes_en, updated_at = now()
			RETURNING `+privacyColumns, workspaceID, p.EventRetentionMonths, p.MessageRetentionMonths,
			p.ProvisionRetentionMonths, p.PurposesJA, p.PurposesEN))
		return err
	})
	if err != nil {
		return PrivacySettings{}, fmt.Errorf("store: unable to set the privacy settings of %q: %w", workspaceID, err)
	}
	return out, nil
}

// AllPrivacySettings returns the settings of every workspace that set a
// retention for events or messages: those whose old rows retention deletes.
func (s *Store) AllPrivacySettings(ctx context.Context) ([]PrivacySettings, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+privacyColumns+` FROM privacy_settings
		WHERE event_retention_months IS NOT NULL OR message_retention_months IS NOT NULL ORDER BY workspace_id`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list privacy settings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PrivacySettings, error) { return scanPrivacy(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list privacy settings: %w", err)
	}
	return out, nil
}
