package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Erasure is the audit record of one erased customer: no personal data,
// only a salted hash of the id asked for, so that whoever knows the id can
// check it was erased, and nobody can read it from the record.
type Erasure struct {
	ID          int64
	WorkspaceID string
	SubjectHash string           // hex SHA-256 of Salt followed by the id
	Salt        []byte           // random, one per record
	Counts      map[string]int64 // rows removed, per table
	RunsEnded   int              // journey runs ended
	ActorKeyID  string           // the API key that asked
	ErasedAt    time.Time
}

// erasureSteps delete a customer's rows, $1 the workspace and $2 every id
// of the customer (canonical and merged); each returns the rows it removed.
var erasureSteps = []struct{ table, sql string }{
	{"events", `
		WITH gone AS (
			DELETE FROM events
			WHERE workspace_id = $1 AND (user_id = ANY($2) OR anonymous_id = ANY($2) OR previous_id = ANY($2))
			RETURNING message_id
		), ids AS (
			DELETE FROM event_ids i USING gone WHERE i.workspace_id = $1 AND i.message_id = gone.message_id
		)
		SELECT count(*) FROM gone`},
	{"event_rollups", `WITH gone AS (DELETE FROM event_rollups WHERE workspace_id = $1 AND user_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"quarantined_events", `
		WITH gone AS (
			DELETE FROM quarantined_events
			WHERE workspace_id = $1 AND (event->>'userId' = ANY($2) OR event->>'anonymousId' = ANY($2)
			                             OR event->>'previousId' = ANY($2))
			RETURNING 1
		) SELECT count(*) FROM gone`},
	// The event debugger's calls (00054): by their ids, or, for a call
	// that did not decode into ids, by any of the ids in its payload.
	{"recent_calls", `
		WITH gone AS (
			DELETE FROM recent_calls
			WHERE workspace_id = $1 AND (user_id = ANY($2) OR anonymous_id = ANY($2) OR payload->>'previousId' = ANY($2)
				OR (user_id = '' AND anonymous_id = '' AND payload IS NOT NULL
				    AND EXISTS (SELECT 1 FROM unnest($2::text[]) id WHERE strpos(payload::text, id) > 0)))
			RETURNING 1
		) SELECT count(*) FROM gone`},
	// The message log, consent and suppressions (00004): message events go
	// before their messages, suppressions of the profile's addresses before
	// the profile.
	{"message_events", `WITH gone AS (
			DELETE FROM message_events e USING messages m
			WHERE e.workspace_id = $1 AND m.workspace_id = $1 AND m.customer_id = ANY($2) AND e.message_id = m.id
			RETURNING 1)
		SELECT count(*) FROM gone`},
	{"consent", `WITH gone AS (DELETE FROM consent WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"consent_history", `WITH gone AS (DELETE FROM consent_history WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"suppressions", `WITH gone AS (
			DELETE FROM suppressions s USING profiles p
			WHERE s.workspace_id = $1 AND p.workspace_id = $1 AND p.id = ANY($2)
			  AND ((s.channel = 'email' AND s.address = lower(trim(p.email))) OR (s.channel = 'line' AND s.address = p.line_user_id)
			       OR (s.channel = 'push' AND s.address = ANY(p.push_tokens)))
			RETURNING 1)
		SELECT count(*) FROM gone`},
	// Journey statistics (00011): the facts name the customer (customer_id,
	// run_key holds the workflow ID, message ids hold the customer), so they
	// go; the counters are aggregates without a customer and stay. A run
	// still open counts as exited for the reason "erased", so entered stays
	// the sum of exited and in progress.
	{"message_stat_flags", `WITH gone AS (
			DELETE FROM message_stat_flags f USING messages m
			WHERE f.workspace_id = $1 AND m.workspace_id = $1 AND m.customer_id = ANY($2) AND f.message_id = m.id
			RETURNING 1)
		SELECT count(*) FROM gone`},
	{"journey_conversions", `WITH gone AS (
			DELETE FROM journey_conversions WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"journey_run_steps", `WITH gone AS (
			DELETE FROM journey_run_steps s USING journey_runs r
			WHERE s.workspace_id = $1 AND r.workspace_id = $1 AND r.customer_id = ANY($2) AND s.run_key = r.run_key
			RETURNING 1)
		SELECT count(*) FROM gone`},
	{"journey_runs", `WITH gone AS (
			DELETE FROM journey_runs WHERE workspace_id = $1 AND customer_id = ANY($2)
			RETURNING journey_id, version, exited_at
		), open AS (
			SELECT journey_stat_bump($1, journey_id, 'exited', '', 'erased', version, now(), 0)
			FROM gone WHERE exited_at IS NULL
		) SELECT count(*) FROM gone WHERE (SELECT count(*) FROM open) >= 0`}, // reading open runs its bumps
	// Broadcasts (00012): the customers a broadcast holds back for quiet
	// hours; its messages are the customer's messages, erased below.
	{"broadcast_deferrals", `WITH gone AS (
			DELETE FROM broadcast_deferrals WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"messages", `WITH gone AS (DELETE FROM messages WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"profile_identities", `WITH gone AS (
			DELETE FROM profile_identities WHERE workspace_id = $1 AND (alias_id = ANY($2) OR profile_id = ANY($2)) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"tracked_segment_members", `WITH gone AS (
			DELETE FROM tracked_segment_members WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"lead_score_history", `WITH gone AS (
			DELETE FROM lead_score_history WHERE workspace_id = $1 AND profile_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	// Records of third-party provision (00031) are kept for the legal
	// period (APPI art. 29) through an erasure, under the customer id's
	// salted hash as erased_ids keeps it: whoever knows the id can find
	// them, nobody can read it from them.
	{"provision_records", `WITH kept AS (
			UPDATE provision_records r SET customer_id = 'erased:' || encode(` + hashSQL("s.salt", "'customer'", "r.customer_id") + `, 'hex')
			FROM erasure_salts s
			WHERE s.workspace_id = $1 AND r.workspace_id = $1 AND r.customer_id = ANY($2)
			RETURNING 1)
		SELECT count(*) FROM kept`},
	// A rich menu Tabiji linked at LINE must be unlinked there too: the row
	// loses the customer id and keeps only the LINE user id, which no
	// profile holds any more, so the next rich menu sync (minutes) unlinks
	// the menu and deletes the row.
	{"line_rich_menu_members", `WITH gone AS (
			UPDATE line_rich_menu_members SET customer_id = '' WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"line_account_links", `WITH gone AS (
			DELETE FROM line_account_links WHERE workspace_id = $1 AND customer_id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
	{"profiles", `WITH gone AS (DELETE FROM profiles WHERE workspace_id = $1 AND id = ANY($2) RETURNING 1)
		SELECT count(*) FROM gone`},
}

// EraseCustomer deletes, in one transaction, every row of the workspace
// about the customer known by ids (its canonical id and the ids merged into
// it): events, quarantined events, messages, merged ids and the profile. It
// records an Erasure for subject, the id the request named, and returns it.
func (s *Store) EraseCustomer(ctx context.Context, workspaceID, subject string, ids []string, actorKeyID string, runsEnded int) (Erasure, error) {
	if workspaceID == "" || subject == "" || len(ids) == 0 {
		return Erasure{}, errors.New("store: unable to erase customer: empty workspace, subject or ids")
	}
	salt := make([]byte, 16)
	rand.Read(salt) // never fails: see crypto/rand.Read
	sum := sha256.Sum256(append(append([]byte{}, salt...), subject...))
	e := Erasure{WorkspaceID: workspaceID, SubjectHash: hex.EncodeToString(sum[:]), Salt: salt,
		Counts: map[string]int64{}, RunsEnded: runsEnded, ActorKeyID: actorKeyID}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// A customer with many events takes long to erase: the longer
		// timeout, so that an erasure cannot fail at every retry.
		if err := s.segmentTimeout(ctx, tx); err != nil {
			return err
		}
		if err := keepErased(ctx, tx, workspaceID, ids); err != nil {
			return err
		}
		recount, err := recountErasedPurchases(ctx, tx, workspaceID, ids)
		if err != nil {
			return err
		}
		for _, st := range erasureSteps {
			var n int64
			if err := tx.QueryRow(ctx, st.sql, workspaceID, ids).Scan(&n); err != nil {
				return fmt.Errorf("delete from %s: %w", st.table, err)
			}
			e.Counts[st.table] = n
		}
		if err := recount(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, scrubAuditSQL, workspaceID, ids); err != nil {
			return fmt.Errorf("scrub the audit log: %w", err)
		}
		return tx.QueryRow(ctx, `
			INSERT INTO erasures (workspace_id, subject_hash, salt, counts, runs_ended, actor_key_id)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, erased_at`,
			workspaceID, e.SubjectHash, salt, e.Counts, runsEnded, actorKeyID).Scan(&e.ID, &e.ErasedAt)
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("store: unable to erase customer: %w", err)
	}
	return e, nil
}

// Erased says whether the workspace has an erasure record for id.
func (s *Store) Erased(ctx context.Context, workspaceID, id string) (bool, error) {
	var found bool
	err := s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM erasures
		               WHERE workspace_id = $1 AND subject_hash = encode(sha256(salt || convert_to($2, 'UTF8')), 'hex'))`,
		workspaceID, id).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("store: unable to look up erasures: %w", err)
	}
	return found, nil
}
