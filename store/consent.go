package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/phone"
)

// Consent statuses.
const (
	OptedIn  = "opted_in"
	OptedOut = "opted_out"
)

// Consent is what one customer agreed to receive on one channel, for one
// topic ("" for the channel as a whole).
type Consent struct {
	WorkspaceID string
	CustomerID  string
	Channel     string // "email", "line", "push", "sms"
	Topic       string
	Status      string    // OptedIn or OptedOut
	Source      string    // what set it: "sendgrid:unsubscribe", "line:follow", "preference_page", …
	UpdatedAt   time.Time // when the customer chose; now() when zero
	// Evidence is the proof kept with the change in the history (a JSON
	// object: the form or page, the wording shown, the IP, …; see
	// consent.Evidence); RecordedAt is when Tabiji stored it. Only the
	// history holds them.
	Evidence   json.RawMessage `db:"-"`
	RecordedAt time.Time       `db:"-"`
}

// SetConsent records a change of consent and keeps it in the history. A
// change older than the one stored (webhooks arrive out of order) goes to the
// history only; SetConsent says whether it became the current consent.
func (s *Store) SetConsent(ctx context.Context, c Consent) (current bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		current, err = setConsent(ctx, tx, c)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: unable to set consent: %w", err)
	}
	return current, nil
}

// SetConsents records many changes of consent (an import) in one
// transaction: all of them, or none.
func (s *Store) SetConsents(ctx context.Context, cs []Consent) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, c := range cs {
			if _, err := setConsent(ctx, tx, c); err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: unable to set consents: %w", err)
	}
	return nil
}

func setConsent(ctx context.Context, tx pgx.Tx, c Consent) (bool, error) {
	if c.WorkspaceID == "" || c.CustomerID == "" || c.Channel == "" {
		return false, errors.New("workspace, customer and channel are required")
	}
	if c.Status != OptedIn && c.Status != OptedOut {
		return false, fmt.Errorf("status %q is neither %s nor %s", c.Status, OptedIn, OptedOut)
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO consent (workspace_id, customer_id, channel, topic, status, source, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id, customer_id, channel, topic) DO UPDATE
		SET status = EXCLUDED.status, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
		WHERE consent.updated_at <= EXCLUDED.updated_at`,
		c.WorkspaceID, c.CustomerID, c.Channel, c.Topic, c.Status, c.Source, c.UpdatedAt)
	if err != nil {
		return false, fmt.Errorf("upsert: %w", err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO consent_history (workspace_id, customer_id, channel, topic, status, source, at, evidence)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.WorkspaceID, c.CustomerID, c.Channel, c.Topic, c.Status, c.Source, c.UpdatedAt, jsonOrEmpty(c.Evidence))
	if err != nil {
		return false, fmt.Errorf("history: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ListConsent returns the customer's current consent, by channel and topic.
func (s *Store) ListConsent(ctx context.Context, workspaceID, customerID string) ([]Consent, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT workspace_id, customer_id, channel, topic, status, source, updated_at
		FROM consent WHERE workspace_id = $1 AND customer_id = $2
		ORDER BY channel, topic`, workspaceID, customerID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list consent: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Consent])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list consent: %w", err)
	}
	return out, nil
}

// ConsentHistory returns every change of the customer's consent, oldest first.
func (s *Store) ConsentHistory(ctx context.Context, workspaceID, customerID string) ([]Consent, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT workspace_id, customer_id, channel, topic, status, source, at
		FROM consent_history WHERE workspace_id = $1 AND customer_id = $2
		ORDER BY at, id`, workspaceID, customerID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read consent history: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Consent])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read consent history: %w", err)
	}
	return out, nil
}

// ConsentFor answers whether the customer may be sent a message on the
// channel and topic: an opt-out of the channel as a whole or of the topic
// refuses it. found is false when the customer never said either way, so
// the sender decides by the channel's default (opt-in or opt-out).
func (s *Store) ConsentFor(ctx context.Context, workspaceID, customerID, channel, topic string) (status string, found bool, err error) {
	return scanConsentFor(s.pool.QueryRow(ctx, consentForSQL, workspaceID, customerID, channel, topic))
}

const consentForSQL = `
		SELECT status FROM consent
		WHERE workspace_id = $1 AND customer_id = $2 AND channel = $3 AND topic IN ('', $4)
		ORDER BY (status = 'opted_out') DESC, (topic = $4) DESC
		LIMIT 1`

func scanConsentFor(row pgx.Row) (status string, found bool, err error) {
	err = row.Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: unable to read consent: %w", err)
	}
	return status, true, nil
}

// CustomerByAddress returns the id of the workspace's profile holding the
// address on the channel ("email", "line", "push", "sms"), or ErrNotFound.
// Emails match whatever their case and surrounding spaces, as suppressions
// do (SuppressionAddress), through the index of migration 00019. An SMS
// address is a number in E.164; it matches a profile whose phone has the
// same digits in international or national form ("+81 90-1234-5678",
// "090-1234-5678"), through the index of migration 00036.
func (s *Store) CustomerByAddress(ctx context.Context, workspaceID, channel, address string) (string, error) {
	column := map[string]string{"email": "email <> '' AND lower(trim(email)) = lower(trim($2))",
		"line": "line_user_id = $2", "push": "$2 = ANY(push_tokens)",
		"sms": "phone <> '' AND regexp_replace(phone, '[^0-9]', '', 'g') = ANY($2)"}[channel]
	if column == "" || address == "" {
		return "", ErrNotFound
	}
	var arg any = address
	if channel == "sms" {
		arg = phone.Digits(address)
	}
	var id string
	err := s.pool.QueryRow(ctx, `SELECT id FROM profiles WHERE workspace_id = $1 AND `+column+`
		ORDER BY updated_at DESC LIMIT 1`, workspaceID, arg).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to find customer by address: %w", err)
	}
	return id, nil
}
