package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// VariantCount is what one A/B variant of a broadcast did: the messages
// its provider took (Sent), and how many of them were opened or clicked
// at least once, as their provider's events say.
type VariantCount struct {
	Variant string `json:"variant"`
	Sent    int64  `json:"sent"`
	Opened  int64  `json:"opened"`
	Clicked int64  `json:"clicked"`
}

// BroadcastVariantCounts counts the broadcast's messages per variant, in
// variant order. A message counts as opened when its provider reported an
// open or a click (a click is read in a message that was opened, even
// when the open pixel was blocked), as clicked when it reported a click.
func (s *Store) BroadcastVariantCounts(ctx context.Context, workspaceID, id string) ([]VariantCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT m.variant,
			count(*),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM message_events e WHERE e.workspace_id = m.workspace_id
				AND e.message_id = m.id AND e.status IN ('opened', 'clicked'))),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM message_events e WHERE e.workspace_id = m.workspace_id
				AND e.message_id = m.id AND e.status = 'clicked'))
		FROM messages m
		WHERE m.workspace_id = $1 AND m.broadcast_id = $2 AND m.variant <> ''
		  AND m.status NOT IN ('skipped', 'pending', 'sending', 'failed', 'dropped', 'blocked', 'bounced')
		GROUP BY m.variant ORDER BY m.variant`, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("store: unable to count the variants of broadcast %q: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (VariantCount, error) {
		var v VariantCount
		err := r.Scan(&v.Variant, &v.Sent, &v.Opened, &v.Clicked)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to count the variants of broadcast %q: %w", id, err)
	}
	return out, nil
}

// SetBroadcastABResult records the broadcast's A/B result once: when one
// is recorded already (a retried pick), it keeps it and returns it, so the
// winner never changes after it was first picked. ErrNotFound when the
// workspace has no such broadcast.
func (s *Store) SetBroadcastABResult(ctx context.Context, workspaceID, id string, result json.RawMessage) (json.RawMessage, error) {
	var kept json.RawMessage
	err := s.pool.QueryRow(ctx, `UPDATE broadcasts SET ab_result = COALESCE(ab_result, $3), updated_at = now()
		WHERE workspace_id = $1 AND id = $2 RETURNING ab_result`, workspaceID, id, result).Scan(&kept)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: unable to record the A/B result of broadcast %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to record the A/B result of broadcast %q: %w", id, err)
	}
	return kept, nil
}
