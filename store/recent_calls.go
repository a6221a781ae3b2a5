package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The event debugger's verdicts on a call (RecentCall.Verdict).
const (
	VerdictStored      = "stored"
	VerdictDuplicate   = "duplicate"
	VerdictRejected    = "rejected"
	VerdictQuarantined = "quarantined"
	VerdictDropped     = "dropped"
)

// The bounds of the debugger's table (00054): the sweeper keeps the latest
// RecentCallsKept calls of each workspace and none older than
// RecentCallsMaxAge (TrimRecentCalls), shorter than any retention period.
const (
	RecentCallsKept   = 500
	RecentCallsMaxAge = 7 * 24 * time.Hour
)

// RecentCall is one call a workspace received, as the event debugger
// shows it: the pipeline's verdict and why, the call's ids, the key that
// sent it and the library that built it.
type RecentCall struct {
	WorkspaceID string
	Seq         int64 // the cursor: larger is newer
	ReceivedAt  time.Time
	// Verdict is one of the Verdict constants; a call given to
	// InsertEvents with an empty Verdict is "stored" when its messageId
	// was claimed there and "duplicate" when it was not.
	Verdict     string
	Reason      string // why it was not stored: the fields and rules at fault
	Type        string
	Event       string
	UserID      string
	AnonymousID string
	MessageID   string
	KeyID       string // the key that sent it, "" for webhooks and replays
	KeyName     string // read only: the key's name
	KeyRole     string // read only: write, client or admin
	Library     string // context.library name and version
	// Payload is the call in the Segment spec's field names; a stored
	// call's is read from its stored event (nil once erased or pruned).
	Payload   json.RawMessage
	Truncated bool // Payload is the call's first bytes, as a JSON string
}

// recentColumns holds recent calls column by column, as the statements
// below take them.
type recentColumns struct {
	ws, verdict, reason, typ, event, user, anon, id, key, library []string
	received                                                      []time.Time
	payload                                                       []*string
	truncated                                                     []bool
}

func newRecentColumns(calls []RecentCall) *recentColumns {
	c := &recentColumns{}
	for _, r := range calls {
		c.ws, c.verdict, c.reason = append(c.ws, r.WorkspaceID), append(c.verdict, r.Verdict), append(c.reason, r.Reason)
		c.typ, c.event, c.user = append(c.typ, r.Type), append(c.event, r.Event), append(c.user, r.UserID)
		c.anon, c.id, c.key = append(c.anon, r.AnonymousID), append(c.id, r.MessageID), append(c.key, r.KeyID)
		c.library, c.received, c.truncated = append(c.library, r.Library), append(c.received, r.ReceivedAt), append(c.truncated, r.Truncated)
		var p *string
		if len(r.Payload) > 0 {
			s := string(r.Payload)
			p = &s
		}
		c.payload = append(c.payload, p)
	}
	return c
}

func (c *recentColumns) args() []any {
	return []any{c.ws, c.verdict, c.reason, c.typ, c.event, c.user, c.anon, c.id, c.key, c.library, c.received, c.payload, c.truncated}
}

// recentRowsSQL is the calls as rows in their order, from parameters
// $n to $n+12 (recentColumns.args).
func recentRowsSQL(n int) string {
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	return `unnest(` + p(0) + `::text[], ` + p(1) + `::text[], ` + p(2) + `::text[], ` + p(3) + `::text[], ` +
		p(4) + `::text[], ` + p(5) + `::text[], ` + p(6) + `::text[], ` + p(7) + `::text[], ` + p(8) + `::text[], ` +
		p(9) + `::text[], ` + p(10) + `::timestamptz[], ` + p(11) + `::text[], ` + p(12) + `::bool[])
		WITH ORDINALITY AS r(workspace_id, verdict, reason, type, event, user_id, anonymous_id, message_id, key_id,
			library, received_at, payload, truncated, ord)`
}

// insertRecentCTE is the step of insertEventsSQL that records the calls
// ($18 on): a call with no verdict is stored when its messageId was
// claimed (ids) and a duplicate when not.
var insertRecentCTE = `, recent AS (
	INSERT INTO recent_calls (workspace_id, received_at, verdict, reason, type, event, user_id, anonymous_id,
		message_id, key_id, library, payload, truncated)
	SELECT r.workspace_id, r.received_at,
		CASE WHEN r.verdict <> '' THEN r.verdict WHEN ids.message_id IS NULL THEN 'duplicate' ELSE 'stored' END,
		r.reason, r.type, r.event, r.user_id, r.anonymous_id, r.message_id, r.key_id, r.library, r.payload::jsonb, r.truncated
	FROM ` + recentRowsSQL(18) + `
	LEFT JOIN ids ON r.verdict = '' AND ids.workspace_id = r.workspace_id AND ids.message_id = r.message_id
	ORDER BY r.ord
)`

// InsertRecentCalls records calls that stored nothing (each with its
// verdict), in one statement; InsertEvents records those of a batch that
// stores events.
func (s *Store) InsertRecentCalls(ctx context.Context, calls []RecentCall) error {
	if len(calls) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO recent_calls (workspace_id, received_at, verdict, reason, type, event, user_id, anonymous_id,
			message_id, key_id, library, payload, truncated)
		SELECT r.workspace_id, r.received_at, r.verdict, r.reason, r.type, r.event, r.user_id, r.anonymous_id,
			r.message_id, r.key_id, r.library, r.payload::jsonb, r.truncated
		FROM `+recentRowsSQL(1)+` ORDER BY r.ord`, newRecentColumns(calls).args()...)
	if err != nil {
		return fmt.Errorf("store: unable to record recent calls: %w", err)
	}
	return nil
}

// RecentCallsQuery chooses a workspace's recent calls.
type RecentCallsQuery struct {
	After    int64 // only calls newer than this cursor (0: the latest)
	Limit    int   // at most this many, the newest; 50 when 0
	Payloads bool  // with each call's payload
}

// recentCallsSQL reads the newest calls after the cursor, with their key
// and, for stored and duplicate calls, the stored event as their payload.
const recentCallsSQL = `
	SELECT r.seq, r.received_at, r.verdict, r.reason, r.type, r.event, r.user_id, r.anonymous_id, r.message_id,
		r.key_id, COALESCE(k.name, ''), COALESCE(k.role, ''), r.library, r.truncated,
		CASE WHEN NOT $4 THEN NULL WHEN r.payload IS NOT NULL THEN r.payload ELSE (
			SELECT jsonb_strip_nulls(jsonb_build_object('messageId', e.message_id, 'type', e.type,
				'userId', NULLIF(e.user_id, ''), 'anonymousId', NULLIF(e.anonymous_id, ''), 'event', NULLIF(e.event, ''),
				'properties', e.properties, 'traits', e.traits, 'context', e.context,
				'groupId', NULLIF(e.group_id, ''), 'previousId', NULLIF(e.previous_id, ''),
				'timestamp', e.timestamp, 'receivedAt', e.received_at))
			FROM event_ids i JOIN events e ON e.workspace_id = i.workspace_id AND e.message_id = i.message_id
				AND e.received_at = i.received_at
			WHERE i.workspace_id = r.workspace_id AND i.message_id = r.message_id AND r.verdict IN ('stored', 'duplicate'))
		END
	FROM recent_calls r LEFT JOIN api_keys k ON k.id = r.key_id AND k.workspace_id = r.workspace_id
	WHERE r.workspace_id = $1 AND r.seq > $2
	ORDER BY r.seq DESC LIMIT $3`

// RecentCalls returns the workspace's calls newer than q.After, newest
// first.
func (s *Store) RecentCalls(ctx context.Context, workspaceID string, q RecentCallsQuery) ([]RecentCall, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	rows, err := s.pool.Query(ctx, recentCallsSQL, workspaceID, q.After, q.Limit, q.Payloads)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read recent calls: %w", err)
	}
	calls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RecentCall, error) {
		r := RecentCall{WorkspaceID: workspaceID}
		var payload []byte
		err := row.Scan(&r.Seq, &r.ReceivedAt, &r.Verdict, &r.Reason, &r.Type, &r.Event, &r.UserID, &r.AnonymousID,
			&r.MessageID, &r.KeyID, &r.KeyName, &r.KeyRole, &r.Library, &r.Truncated, &payload)
		r.Payload = payload
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to read recent calls: %w", err)
	}
	return calls, nil
}

// trimRecentCallsSQL deletes, in every workspace, the calls older than
// its latest $1 and those received before $2, skipping rows another
// sweeper holds: the sweepers of several APIs share the work.
const trimRecentCallsSQL = `
	WITH cut AS (
		SELECT w.id, c.seq FROM workspaces w
		CROSS JOIN LATERAL (
			SELECT seq FROM recent_calls WHERE workspace_id = w.id ORDER BY seq DESC OFFSET $1 LIMIT 1
		) c
	), old AS (
		SELECT r.workspace_id, r.seq FROM recent_calls r
		WHERE r.received_at < $2 OR EXISTS (SELECT 1 FROM cut WHERE cut.id = r.workspace_id AND r.seq <= cut.seq)
		FOR UPDATE SKIP LOCKED
	)
	DELETE FROM recent_calls r USING old WHERE r.workspace_id = old.workspace_id AND r.seq = old.seq`

// TrimRecentCalls keeps the latest RecentCallsKept calls of each
// workspace, none received before now less RecentCallsMaxAge, and says
// how many it deleted; the sweeper runs it.
func (s *Store) TrimRecentCalls(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, trimRecentCallsSQL, RecentCallsKept, now.Add(-RecentCallsMaxAge))
	if err != nil {
		return 0, fmt.Errorf("store: unable to trim recent calls: %w", err)
	}
	return tag.RowsAffected(), nil
}
