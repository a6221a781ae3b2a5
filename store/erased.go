package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrErased is returned when a message would be written for a customer
// that was erased (DELETE /v1/profiles/{id}): nothing is written.
var ErrErased = errors.New("store: the customer was erased")

// What an erasure keeps, as salted hashes (migration 00026): the
// workspace's salt (erasure_salts), the customer's ids and the messageIds
// of their events and quarantined events (erased_ids), and the addresses
// they had suppressed or opted out of a whole channel from
// (erased_suppressions). $1 is the workspace, $2 every id of the customer;
// each runs before erasureSteps delete what it reads.
var erasureKeeps = []string{
	`INSERT INTO erased_ids (workspace_id, hash)
		SELECT $1, ` + hashSQL("s.salt", "'customer'", "id") + ` FROM unnest($2::text[]) AS id, erasure_salts s
		WHERE s.workspace_id = $1
		ON CONFLICT DO NOTHING`,
	`INSERT INTO erased_ids (workspace_id, hash)
		SELECT $1, ` + hashSQL("s.salt", "'message'", "e.message_id") + ` FROM events e, erasure_salts s
		WHERE s.workspace_id = $1 AND e.workspace_id = $1
		  AND (e.user_id = ANY($2) OR e.anonymous_id = ANY($2) OR e.previous_id = ANY($2))
		UNION
		SELECT $1, ` + hashSQL("s.salt", "'message'", "(q.event->>'messageId')") + ` FROM quarantined_events q, erasure_salts s
		WHERE s.workspace_id = $1 AND q.workspace_id = $1 AND q.event->>'messageId' <> ''
		  AND (q.event->>'userId' = ANY($2) OR q.event->>'anonymousId' = ANY($2) OR q.event->>'previousId' = ANY($2))
		ON CONFLICT DO NOTHING`,
	`INSERT INTO erased_suppressions (workspace_id, channel, hash, reason)
		SELECT $1, sp.channel, ` + hashSQL("s.salt", "sp.channel", "sp.address") + `, sp.reason
		FROM suppressions sp, profiles p, erasure_salts s
		WHERE s.workspace_id = $1 AND sp.workspace_id = $1 AND p.workspace_id = $1 AND p.id = ANY($2)
		  AND ((sp.channel = 'email' AND sp.address = lower(trim(p.email))) OR (sp.channel = 'line' AND sp.address = p.line_user_id)
		       OR (sp.channel = 'push' AND sp.address = ANY(p.push_tokens)))
		ON CONFLICT DO NOTHING`,
	// An opt-out of a whole channel (the preference page, a one-click
	// unsubscribe) is consent of the customer, erased with them: its
	// addresses stay suppressed for the reason "unsubscribe".
	`INSERT INTO erased_suppressions (workspace_id, channel, hash, reason)
		SELECT DISTINCT $1, c.channel, ` + hashSQL("s.salt", "c.channel", "a.address") + `, '` + SuppressUnsubscribe + `'
		FROM consent c
		JOIN profiles p ON p.workspace_id = $1 AND p.id = c.customer_id
		CROSS JOIN LATERAL (
			SELECT lower(trim(p.email)) WHERE c.channel = 'email'
			UNION ALL SELECT p.line_user_id WHERE c.channel = 'line'
			UNION ALL SELECT unnest(p.push_tokens) WHERE c.channel = 'push'
		) AS a(address)
		JOIN erasure_salts s ON s.workspace_id = $1
		WHERE c.workspace_id = $1 AND c.customer_id = ANY($2) AND c.topic = '' AND c.status = '` + OptedOut + `'
		  AND a.address <> ''
		ON CONFLICT DO NOTHING`,
}

// keepErased locks the customer's ids against sends in flight (see
// lockCustomerSQL), makes the workspace's salt on its first erasure, and keeps
// erasureKeeps' hashes, in the erasure's transaction.
func keepErased(ctx context.Context, tx pgx.Tx, workspaceID string, ids []string) error {
	if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock(k)) FROM (
			SELECT DISTINCT hashtextextended($1 || '/' || id, 0) AS k FROM unnest($2::text[]) AS id ORDER BY k) AS keys`,
		workspaceID, ids); err != nil {
		return fmt.Errorf("lock the customer's sends: %w", err)
	}
	salt := make([]byte, 32)
	rand.Read(salt) // never fails: see crypto/rand.Read
	if _, err := tx.Exec(ctx, `INSERT INTO erasure_salts (workspace_id, salt) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		workspaceID, salt); err != nil {
		return fmt.Errorf("make the workspace's erasure salt: %w", err)
	}
	for _, sql := range erasureKeeps {
		if _, err := tx.Exec(ctx, sql, workspaceID, ids); err != nil {
			return fmt.Errorf("keep erased hashes: %w", err)
		}
	}
	return nil
}

// lockCustomerSQL takes the shared lock on customer $2 of workspace $1 that
// keepErased takes exclusively, until the transaction ends: a message
// written under it (RecordMessage, RecordBroadcastMessages) is either
// erased with the customer or, checked after the lock, never written.
const lockCustomerSQL = `SELECT pg_advisory_xact_lock_shared(hashtextextended($1 || '/' || $2, 0))`

// erasedCustomerSQL says whether customer $2 of workspace $1 was erased.
var erasedCustomerSQL = `SELECT EXISTS (SELECT 1 FROM erased_ids WHERE workspace_id = $1 AND hash = ` + erasedCustomerHash("$2::text") + `)`

// hashSQL is tabiji_erased_hash (00026) written out in a query, so that
// Postgres evaluates the expression in place rather than calling a SQL
// function it does not inline once a row (TestErasedHashSQL keeps the two
// the same).
func hashSQL(salt, kind, value string) string {
	return "sha256(" + salt + " || convert_to(" + kind + " || ':' || " + value + ", 'UTF8'))"
}

// erasedCustomerHash is the SQL of the hash erased_ids keeps of the
// customer id expr in workspace $1 (NULL when it never erased anyone): a
// scalar, so a comparison with it is an index lookup.
func erasedCustomerHash(expr string) string {
	return `(SELECT ` + hashSQL("salt", "'customer'", expr) + ` FROM erasure_salts WHERE workspace_id = $1)`
}

// ErasedMessageIDs says which of messageIDs were the messageIds of events
// of a customer the workspace erased, so ingestion drops a replay of them:
// one indexed lookup for a batch, none for a workspace that never erased.
func (s *Store) ErasedMessageIDs(ctx context.Context, workspaceID string, messageIDs []string) (map[string]bool, error) {
	// LATERAL … LIMIT 1 makes one index probe per id: a join would read
	// every erased id of the workspace.
	rows, err := s.pool.Query(ctx, `SELECT m FROM erasure_salts s CROSS JOIN LATERAL unnest($2::text[]) AS m
		JOIN LATERAL (SELECT 1 FROM erased_ids x
			WHERE x.workspace_id = $1 AND x.hash = `+hashSQL("s.salt", "'message'", "m")+` LIMIT 1) AS hit ON true
		WHERE s.workspace_id = $1`, workspaceID, messageIDs)
	if err != nil {
		return nil, fmt.Errorf("store: unable to look up erased message ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to look up erased message ids: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
