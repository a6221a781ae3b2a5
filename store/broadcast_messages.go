package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The bulk side of delivery: a broadcast batch checks and writes a
// thousand customers in a handful of statements instead of a thousand
// round trips each.

// ProfilesByID returns the workspace's profiles with the given canonical
// IDs, by ID; IDs with no profile are left out.
func (s *Store) ProfilesByID(ctx context.Context, workspaceID string, ids []string) (map[string]Profile, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+profileColumns+` FROM profiles p
		WHERE p.workspace_id = $1 AND p.id = ANY($2)`, workspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read profiles: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Profile, error) { return scanProfile(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to read profiles: %w", err)
	}
	out := make(map[string]Profile, len(list))
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// OptedOut returns which of the customers opted out of the channel as a
// whole or of the topic (ConsentFor's rule, for many customers at once).
func (s *Store) OptedOut(ctx context.Context, workspaceID, channel, topic string, customerIDs []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT customer_id FROM consent
		WHERE workspace_id = $1 AND channel = $2 AND topic IN ('', $3) AND status = 'opted_out'
		  AND customer_id = ANY($4)`, workspaceID, channel, topic, customerIDs)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read consent: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read consent: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SuppressedAddresses returns the reason each suppressed address among
// addresses is suppressed on the channel (looked up as SuppressionAddress
// keeps them), by the address as given.
func (s *Store) SuppressedAddresses(ctx context.Context, workspaceID, channel string, addresses []string) (map[string]string, error) {
	byKey := make(map[string][]string, len(addresses))
	keys := make([]string, 0, len(addresses))
	for _, a := range addresses {
		k := SuppressionAddress(channel, a)
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], a)
	}
	rows, err := s.pool.Query(ctx, `SELECT address, reason FROM suppressions
		WHERE workspace_id = $1 AND channel = $2 AND address = ANY($3)
		UNION ALL `+erasedSuppressionsOf, workspaceID, channel, keys)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read suppressions: %w", err)
	}
	out := map[string]string{}
	var key, reason string
	_, err = pgx.ForEachRow(rows, []any{&key, &reason}, func() error {
		for _, a := range byKey[key] {
			out[a] = reason
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read suppressions: %w", err)
	}
	return out, nil
}

// MessagesByID returns the workspace's messages among ids, by ID.
func (s *Store) MessagesByID(ctx context.Context, workspaceID string, ids []string) (map[string]LoggedMessage, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+loggedColumns+` FROM messages
		WHERE workspace_id = $1 AND id = ANY($2)`, workspaceID, ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read messages: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LoggedMessage, error) { return scanLogged(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to read messages: %w", err)
	}
	out := make(map[string]LoggedMessage, len(list))
	for _, m := range list {
		out[m.ID] = m
	}
	return out, nil
}

// RecordBroadcastMessages writes the broadcast's messages in one statement,
// leaving alone any whose ID exists (an earlier attempt wrote it) and any
// of a customer that was erased, and returns how many it wrote.
func (s *Store) RecordBroadcastMessages(ctx context.Context, broadcastID string, msgs []Message) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	cols := make([][]string, 10)
	for _, m := range msgs {
		for i, v := range []string{m.ID, m.WorkspaceID, m.CustomerID, m.WorkflowID, m.RunID, m.Channel, m.Subject, m.Body, m.Status, m.Variant} {
			cols[i] = append(cols[i], v)
		}
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// As RecordMessage (lockCustomerSQL): a customer erased meanwhile gets no row.
		if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock_shared(k)) FROM (
				SELECT DISTINCT hashtextextended(w || '/' || c, 0) AS k FROM unnest($1::text[], $2::text[]) AS v(w, c) ORDER BY k) AS keys`,
			cols[1], cols[2]); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO messages (id, workspace_id, customer_id, workflow_id, run_id, channel, subject, body, status, variant,
				journey_id, journey_version, node_id, broadcast_id)
			SELECT v.*, '', 0, 'broadcast', $11 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
				$6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS v(id, ws, customer, wf, run, channel, subject, body, status, variant)
			WHERE NOT EXISTS (SELECT 1 FROM erased_ids x, erasure_salts s
			                  WHERE s.workspace_id = v.ws AND x.workspace_id = v.ws
			                    AND x.hash = (SELECT `+hashSQL("s.salt", "'customer'", "v.customer")+`))
			ON CONFLICT (id) DO NOTHING`,
			cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8], cols[9], broadcastID)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: unable to record broadcast messages: %w", err)
	}
	return int(n), nil
}

// ClaimMessages moves the workspace's messages among ids that are
// "pending" to "sending", just before their provider call, and returns the
// IDs it moved: a message another attempt claimed or finished is not
// called again.
func (s *Store) ClaimMessages(ctx context.Context, workspaceID string, ids []string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `UPDATE messages m SET status = $3, updated_at = now()
		WHERE m.workspace_id = $1 AND m.id = ANY($2) AND m.status = $4
		  AND NOT EXISTS (SELECT 1 FROM erased_ids x WHERE x.workspace_id = $1 AND x.hash = `+erasedCustomerHash("m.customer_id")+`)
		RETURNING m.id`, workspaceID, ids, MessageSending, MessagePending)
	if err != nil {
		return nil, fmt.Errorf("store: unable to claim %d messages: %w", len(ids), err)
	}
	claimed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to claim %d messages: %w", len(ids), err)
	}
	return claimed, nil
}

// ReleaseMessages moves "sending" messages back to "pending" when their
// provider answered without taking them (a 5xx, a 429), so the next
// attempt calls again, as ReleaseMessage does for one.
func (s *Store) ReleaseMessages(ctx context.Context, workspaceID string, ids []string) error {
	_, err := s.pool.Exec(ctx, `UPDATE messages SET status = $3, updated_at = now()
		WHERE workspace_id = $1 AND id = ANY($2) AND status = $4`, workspaceID, ids, MessagePending, MessageSending)
	if err != nil {
		return fmt.Errorf("store: unable to release %d messages: %w", len(ids), err)
	}
	return nil
}

// MarkMessages records one provider answer for many messages at once: a
// message event each (event ID "send:" + message ID, so marking again
// changes nothing) and the new status and provider ID on every message
// still "pending" or "sending" (no answer recorded yet).
func (s *Store) MarkMessages(ctx context.Context, workspaceID string, ids []string, status, providerEvent, providerID string, detail json.RawMessage) error {
	if len(ids) == 0 {
		return nil
	}
	if len(detail) == 0 {
		detail = json.RawMessage(`{}`)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO message_events (workspace_id, event_id, message_id, status, provider_event, at, detail)
			SELECT $1, 'send:' || id, id, $3, $4, now(), $5 FROM unnest($2::text[]) AS id
			ON CONFLICT DO NOTHING`, workspaceID, ids, status, providerEvent, detail); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE messages SET status = $3, provider_id = $4, updated_at = now()
			WHERE workspace_id = $1 AND id = ANY($2) AND status IN ('pending', 'sending')`, workspaceID, ids, status, providerID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unable to mark %d messages %s: %w", len(ids), status, err)
	}
	return nil
}

// DeferBroadcast holds customers of a broadcast back until the given
// times; a customer held before is held until the later time. A broadcast
// that has ended holds nobody (SetBroadcastStatus dropped its deferrals),
// so a late batch cannot leave rows behind it.
func (s *Store) DeferBroadcast(ctx context.Context, workspaceID, broadcastID string, until map[string]time.Time) error {
	if len(until) == 0 {
		return nil
	}
	ids, times := make([]string, 0, len(until)), make([]time.Time, 0, len(until))
	for id, t := range until {
		ids, times = append(ids, id), append(times, t)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO broadcast_deferrals (workspace_id, broadcast_id, customer_id, until)
		SELECT $1, $2, * FROM unnest($3::text[], $4::timestamptz[])
		WHERE NOT EXISTS (SELECT 1 FROM broadcasts WHERE workspace_id = $1 AND id = $2 AND finished_at IS NOT NULL)
		ON CONFLICT (workspace_id, broadcast_id, customer_id) DO UPDATE SET until = GREATEST(broadcast_deferrals.until, EXCLUDED.until)`,
		workspaceID, broadcastID, ids, times)
	if err != nil {
		return fmt.Errorf("store: unable to defer broadcast %q: %w", broadcastID, err)
	}
	return nil
}

// DueDeferrals returns up to limit customers of the broadcast held until a
// time in (from, to], after the customer ID after, in ID order. Windows
// taken in turn never return a customer twice: holding one again moves
// its time later.
func (s *Store) DueDeferrals(ctx context.Context, workspaceID, broadcastID string, from, to time.Time, after string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT customer_id FROM broadcast_deferrals
		WHERE workspace_id = $1 AND broadcast_id = $2 AND until > $3 AND until <= $4 AND customer_id > $5
		ORDER BY customer_id LIMIT $6`, workspaceID, broadcastID, from, to, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read deferrals of broadcast %q: %w", broadcastID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to read deferrals of broadcast %q: %w", broadcastID, err)
	}
	return ids, nil
}
