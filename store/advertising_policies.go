package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/advertising"
)

// AdvertisingPolicy is a workspace's advertising-mail policy as stored
// (see package advertising for what it means).
type AdvertisingPolicy struct {
	WorkspaceID string
	// OptInRequired is the explicit setting; nil follows the workspace's locale.
	OptInRequired                            *bool
	SenderName, SenderAddress, SenderContact string
	// Locale is the workspace's locale (migration 00030), which the policy
	// follows when OptInRequired is nil.
	Locale    string
	UpdatedAt time.Time // zero when never set
}

// AdvertisingPolicy returns the workspace's advertising-mail policy with
// the workspace's locale: when it was never set, no sender and the
// opt-in rule following the locale (on for ja).
func (s *Store) AdvertisingPolicy(ctx context.Context, workspaceID string) (AdvertisingPolicy, error) {
	return scanAdvertisingPolicy(s.pool.QueryRow(ctx, advertisingPolicySQL, workspaceID), workspaceID)
}

const advertisingPolicySQL = `
		SELECT w.locale, p.optin_required, coalesce(p.sender_name, ''), coalesce(p.sender_address, ''),
			coalesce(p.sender_contact, ''), p.updated_at
		FROM workspaces w LEFT JOIN advertising_policies p ON p.workspace_id = w.id
		WHERE w.id = $1`

func scanAdvertisingPolicy(row pgx.Row, workspaceID string) (AdvertisingPolicy, error) {
	p := AdvertisingPolicy{WorkspaceID: workspaceID}
	var updated *time.Time
	err := row.Scan(&p.Locale, &p.OptInRequired, &p.SenderName, &p.SenderAddress, &p.SenderContact, &updated)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("store: unable to read the advertising policy of %q: %w", workspaceID, err)
	}
	if updated != nil {
		p.UpdatedAt = *updated
	}
	return p, nil
}

// PutAdvertisingPolicy sets the workspace's advertising-mail policy.
func (s *Store) PutAdvertisingPolicy(ctx context.Context, p AdvertisingPolicy) (AdvertisingPolicy, error) {
	err := s.pool.QueryRow(ctx, `
		INSERT INTO advertising_policies (workspace_id, optin_required, sender_name, sender_address, sender_contact)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (workspace_id) DO UPDATE SET optin_required = EXCLUDED.optin_required,
			sender_name = EXCLUDED.sender_name, sender_address = EXCLUDED.sender_address,
			sender_contact = EXCLUDED.sender_contact, updated_at = now()
		RETURNING updated_at`,
		p.WorkspaceID, p.OptInRequired, p.SenderName, p.SenderAddress, p.SenderContact).Scan(&p.UpdatedAt)
	if err != nil {
		return p, fmt.Errorf("store: unable to put the advertising policy of %q: %w", p.WorkspaceID, err)
	}
	return s.AdvertisingPolicy(ctx, p.WorkspaceID)
}

// Policy is the stored policy as package advertising reads it.
func (p AdvertisingPolicy) Policy() advertising.Policy {
	return advertising.Policy{OptInRequired: p.OptInRequired, Locale: p.Locale,
		Sender: advertising.Sender{Name: p.SenderName, Address: p.SenderAddress, Contact: p.SenderContact}}
}
