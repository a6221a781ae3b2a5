package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// consentRecordColumns are the columns of a consent_history row as
// scanConsentRecord reads them.
const consentRecordColumns = `workspace_id, customer_id, channel, topic, status, source, at, evidence, recorded_at`

func scanConsentRecord(row pgx.CollectableRow) (Consent, error) {
	var c Consent
	err := row.Scan(&c.WorkspaceID, &c.CustomerID, &c.Channel, &c.Topic, &c.Status, &c.Source, &c.UpdatedAt, &c.Evidence, &c.RecordedAt)
	return c, err
}

// ConsentRecords returns every recorded change of the customer's consent
// with its evidence, oldest first: the proof of consent the law asks the
// sender to keep. The history is append-only (migration 00029 refuses
// updates); only erasure deletes it.
func (s *Store) ConsentRecords(ctx context.Context, workspaceID, customerID string) ([]Consent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+consentRecordColumns+`
		FROM consent_history WHERE workspace_id = $1 AND customer_id = $2
		ORDER BY at, id`, workspaceID, customerID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read consent records: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanConsentRecord)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read consent records: %w", err)
	}
	return out, nil
}

// ConsentWithRecords returns the customer's current consent (as
// ListConsent) and its every recorded change (as ConsentRecords).
func (s *Store) ConsentWithRecords(ctx context.Context, workspaceID, customerID string) (current, history []Consent, err error) {
	if current, err = s.ListConsent(ctx, workspaceID, customerID); err != nil {
		return nil, nil, err
	}
	if history, err = s.ConsentRecords(ctx, workspaceID, customerID); err != nil {
		return nil, nil, err
	}
	return current, history, nil
}

// ExportConsentRecords calls each with every consent record of the
// workspace (of one customer when customerID is not ""), by customer and
// time, streaming: an export of millions of records holds one in memory.
func (s *Store) ExportConsentRecords(ctx context.Context, workspaceID, customerID string, each func(Consent) error) error {
	rows, err := s.pool.Query(ctx, `SELECT `+consentRecordColumns+`
		FROM consent_history WHERE workspace_id = $1 AND ($2 = '' OR customer_id = $2)
		ORDER BY customer_id, at, id`, workspaceID, customerID)
	if err != nil {
		return fmt.Errorf("store: unable to export consent records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanConsentRecord(rows)
		if err != nil {
			return fmt.Errorf("store: unable to export consent records: %w", err)
		}
		if err := each(c); err != nil {
			return fmt.Errorf("store: unable to export consent records: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to export consent records: %w", err)
	}
	return nil
}

// OptedIn returns which of the customers have a current opt-in on the
// channel, as a whole or for the topic (an opt-out is read apart, by
// OptedOut, and wins over it).
func (s *Store) OptedIn(ctx context.Context, workspaceID, channel, topic string, customerIDs []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT customer_id FROM consent
		WHERE workspace_id = $1 AND channel = $2 AND topic IN ('', $3) AND status = 'opted_in'
		  AND customer_id = ANY($4)`, workspaceID, channel, topic, customerIDs)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read opt-ins: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read opt-ins: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// HasOptIn says whether the customer has a current opt-in on the channel,
// as a whole or for the topic.
func (s *Store) HasOptIn(ctx context.Context, workspaceID, customerID, channel, topic string) (bool, error) {
	in, err := s.OptedIn(ctx, workspaceID, channel, topic, []string{customerID})
	return in[customerID], err
}

// jsonOrEmpty is raw, or an empty object when raw is empty.
func jsonOrEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(`{}`)
	}
	return raw
}
