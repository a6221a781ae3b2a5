package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The outcomes of an audit record.
const (
	// AuditUnknown: the change was under way when the record was written
	// and the process stopped before it could say how it ended.
	AuditUnknown = "unknown"
	// AuditSucceeded: the change was made (a 2xx answer).
	AuditSucceeded = "succeeded"
	// AuditRefused: the API refused the request (a 4xx answer): nothing changed.
	AuditRefused = "refused"
	// AuditFailed: the change failed on the server's side (a 5xx answer).
	AuditFailed = "failed"
)

// The kinds of actor of an audit record.
const (
	ActorKey    = "key"
	ActorPerson = "person"
)

// AuditActor is who made a change: an API key (its id and name) or a
// person of the console (their id and email).
type AuditActor struct {
	Kind string
	ID   string
	Name string
}

// AuditRecord is one change made through the API or the console: who, what
// (resource, id, action), before and after (secrets already redacted),
// when and from where.
type AuditRecord struct {
	ID          string
	WorkspaceID string
	At          time.Time
	FinishedAt  *time.Time
	Actor       AuditActor
	Resource    string
	ResourceID  string
	Action      string
	Method      string
	Route       string
	Outcome     string
	Status      int
	Before      json.RawMessage
	After       json.RawMessage
	Detail      json.RawMessage
	CustomerIDs []string
	ClientIP    string
	UserAgent   string
}

// AuditEnd is how a change ended: its outcome, HTTP status, the resource
// after it, and the customers the record is also about. Resource and
// ResourceID, when not empty, name what the change made in place of what
// the record was begun on (a template's launch names the journey it made).
type AuditEnd struct {
	Outcome     string
	Status      int
	After       json.RawMessage
	Detail      json.RawMessage
	CustomerIDs []string
	Resource    string
	ResourceID  string
}

const auditColumns = `id, workspace_id, at, finished_at, actor_kind, actor_id, actor_name, resource, resource_id, action,
	method, route, outcome, status, before, after, detail, customer_ids, client_ip, user_agent`

func scanAudit(row pgx.Row) (AuditRecord, error) {
	var r AuditRecord
	err := row.Scan(&r.ID, &r.WorkspaceID, &r.At, &r.FinishedAt, &r.Actor.Kind, &r.Actor.ID, &r.Actor.Name, &r.Resource,
		&r.ResourceID, &r.Action, &r.Method, &r.Route, &r.Outcome, &r.Status, &r.Before, &r.After, &r.Detail,
		&r.CustomerIDs, &r.ClientIP, &r.UserAgent)
	return r, err
}

// nullJSON is a JSON column's value: NULL for an empty document.
func nullJSON(doc json.RawMessage) any {
	if len(doc) == 0 {
		return nil
	}
	return []byte(doc)
}

// BeginAudit writes the record of a change about to be made, with outcome
// AuditUnknown, and returns it with its id and time. A key actor without a
// name is named by its key's name.
func (s *Store) BeginAudit(ctx context.Context, r AuditRecord) (AuditRecord, error) {
	if r.CustomerIDs == nil {
		r.CustomerIDs = []string{}
	}
	r.ID = "aud_" + randomString(20, base62)
	row := s.pool.QueryRow(ctx, `
		INSERT INTO audit_log (id, workspace_id, actor_kind, actor_id, actor_name, resource, resource_id, action,
		                       method, route, before, detail, customer_ids, client_ip, user_agent)
		VALUES ($1, $2, $3, $4,
		        CASE WHEN $5 = '' AND $3 = 'key' THEN coalesce((SELECT name FROM api_keys WHERE id = $4 AND workspace_id = $2), '') ELSE $5 END,
		        $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING `+auditColumns,
		r.ID, r.WorkspaceID, r.Actor.Kind, r.Actor.ID, r.Actor.Name, r.Resource, r.ResourceID, r.Action,
		r.Method, r.Route, nullJSON(r.Before), nullJSON(r.Detail), r.CustomerIDs, r.ClientIP, r.UserAgent)
	rec, err := scanAudit(row)
	if err != nil {
		return AuditRecord{}, fmt.Errorf("store: unable to begin audit record: %w", err)
	}
	return rec, nil
}

// FinishAudit completes the record id with how its change ended. The
// customers of end are added to the record's; a detail, when given,
// replaces the record's.
func (s *Store) FinishAudit(ctx context.Context, workspaceID, id string, end AuditEnd) error {
	if end.CustomerIDs == nil {
		end.CustomerIDs = []string{}
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE audit_log SET outcome = $3, status = $4, after = $5, detail = coalesce($6, detail), finished_at = now(),
		       customer_ids = ARRAY(SELECT DISTINCT unnest(customer_ids || $7::text[])),
		       resource = coalesce(nullif($8, ''), resource), resource_id = coalesce(nullif($9, ''), resource_id)
		WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id, end.Outcome, end.Status, nullJSON(end.After), nullJSON(end.Detail), end.CustomerIDs,
		end.Resource, end.ResourceID)
	if err != nil {
		return fmt.Errorf("store: unable to finish audit record %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: unable to finish audit record %s: %w", id, ErrNotFound)
	}
	return nil
}

// AuditFilter selects audit records: each non-empty field must match.
// Actor matches the actor's id or name; Since and Until bound the time
// (Since inclusive, Until exclusive).
type AuditFilter struct {
	Actor      string
	Resource   string
	ResourceID string
	Action     string
	Outcome    string
	Since      time.Time
	Until      time.Time
	After      string // the cursor of the previous page, "" for the first
	Limit      int    // 0: 100; at most 500
}

// AuditLog returns a page of the workspace's audit records that f selects,
// newest first by (at, id), and the cursor of the next page ("" after the
// last). An After it did not make wraps ErrInvalidCursor.
func (s *Store) AuditLog(ctx context.Context, workspaceID string, f AuditFilter) ([]AuditRecord, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultMessageLimit
	}
	limit = min(limit, maxMessageLimit)
	at, id := time.Time{}, ""
	if f.After != "" {
		var err error
		if at, id, err = decodeCursor(f.After); err != nil {
			return nil, "", fmt.Errorf("store: unable to list audit records: %w", err)
		}
	}
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE workspace_id = $1 AND ($2 = '' OR (at, id) < ($3::timestamptz, $2))
		  AND ($4 = '' OR actor_id = $4 OR actor_name = $4) AND ($5 = '' OR resource = $5)
		  AND ($6 = '' OR resource_id = $6) AND ($7 = '' OR action = $7) AND ($8 = '' OR outcome = $8)
		  AND ($9::timestamptz IS NULL OR at >= $9) AND ($10::timestamptz IS NULL OR at < $10)
		ORDER BY at DESC, id DESC LIMIT $11`,
		workspaceID, id, at, f.Actor, f.Resource, f.ResourceID, f.Action, f.Outcome, since, until, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list audit records: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditRecord, error) { return scanAudit(r) })
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list audit records: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = encodeCursor(list[limit-1].At, list[limit-1].ID)
	}
	return list, next, nil
}

// scrubAuditSQL is erasure's step for the audit log ($1 the workspace, $2
// every id of the customer): the records about the customer stay (who
// changed what, when), without anything of the customer's: before, after
// and detail go, and a resource id that is one of the customer's ids.
const scrubAuditSQL = `
	UPDATE audit_log SET before = NULL, after = NULL, detail = NULL, customer_ids = '{}',
	       resource_id = CASE WHEN resource_id = ANY($2) THEN '' ELSE resource_id END
	WHERE workspace_id = $1 AND customer_ids && $2::text[]`
