package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tabiji/tabiji/taxonomy"
)

// QuarantinedEvent is an event kept aside by the quarantine policy.
type QuarantinedEvent struct {
	MessageID  string
	Event      Event
	Violations []taxonomy.Violation
	Status     string // "quarantined" as received, "fixed" once edited
	ReceivedAt time.Time
	UpdatedAt  time.Time
}

// EventJSON is an event in the Segment spec's field names, as the
// quarantine stores it and shows it to be fixed.
type EventJSON struct {
	MessageID   string          `json:"messageId"`
	Type        string          `json:"type"`
	UserID      string          `json:"userId,omitempty"`
	AnonymousID string          `json:"anonymousId,omitempty"`
	Event       string          `json:"event,omitempty"`
	Properties  json.RawMessage `json:"properties,omitempty"`
	Traits      json.RawMessage `json:"traits,omitempty"`
	Context     json.RawMessage `json:"context,omitempty"`
	GroupID     string          `json:"groupId,omitempty"`
	PreviousID  string          `json:"previousId,omitempty"`
	Timestamp   time.Time       `json:"timestamp"`
	ReceivedAt  time.Time       `json:"receivedAt"`
}

// ToJSON writes e in the Segment spec's field names.
func (e Event) ToJSON() EventJSON {
	return EventJSON{
		MessageID: e.MessageID, Type: e.Type, UserID: e.UserID, AnonymousID: e.AnonymousID, Event: e.Name,
		Properties: e.Properties, Traits: e.Traits, Context: e.Context, GroupID: e.GroupID, PreviousID: e.PreviousID,
		Timestamp: e.Timestamp, ReceivedAt: e.ReceivedAt,
	}
}

// ToEvent reads j back into an Event of the workspace.
func (j EventJSON) ToEvent(workspaceID string) Event {
	return Event{
		WorkspaceID: workspaceID, MessageID: j.MessageID, Type: j.Type, UserID: j.UserID, AnonymousID: j.AnonymousID,
		Name: j.Event, Properties: j.Properties, Traits: j.Traits, Context: j.Context, GroupID: j.GroupID,
		PreviousID: j.PreviousID, Timestamp: j.Timestamp, ReceivedAt: j.ReceivedAt,
	}
}

const quarantineColumns = `message_id, event, violations, status, received_at, updated_at`

func scanQuarantined(workspaceID string) pgx.RowToFunc[QuarantinedEvent] {
	return func(row pgx.CollectableRow) (QuarantinedEvent, error) {
		var q QuarantinedEvent
		var ev EventJSON
		err := row.Scan(&q.MessageID, &ev, &q.Violations, &q.Status, &q.ReceivedAt, &q.UpdatedAt)
		q.Event = ev.ToEvent(workspaceID)
		return q, err
	}
}

// QuarantineEvent keeps the event aside with its violations. A second
// event with the same MessageID is a retry of the first: the first is kept.
func (s *Store) QuarantineEvent(ctx context.Context, e Event, violations []taxonomy.Violation) error {
	if e.WorkspaceID == "" || e.MessageID == "" {
		return errors.New("store: unable to quarantine event: empty workspace or message id")
	}
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = time.Now()
	}
	if violations == nil {
		violations = []taxonomy.Violation{}
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO quarantined_events (workspace_id, message_id, event_name, event, violations, received_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (workspace_id, message_id) DO NOTHING`,
		e.WorkspaceID, e.MessageID, e.Name, e.ToJSON(), violations, e.ReceivedAt)
	if err != nil {
		return fmt.Errorf("store: unable to quarantine event %q: %w", e.MessageID, err)
	}
	return nil
}

// QuarantineFilter narrows and pages ListQuarantined.
type QuarantineFilter struct {
	Event string // only events of this name
	Limit int    // 1–500; 100 when 0
	After string // the cursor a previous page returned, in the same order
	// Newest lists the newest first (the console's order); oldest first
	// otherwise, the order a replay of them all keeps.
	Newest bool
}

// ListQuarantined lists the workspace's quarantined events, oldest first
// (newest first with f.Newest), and a cursor for the next page ("" on the
// last). An After it did not make gives an error wrapping ErrInvalidCursor.
func (s *Store) ListQuarantined(ctx context.Context, workspaceID string, f QuarantineFilter) ([]QuarantinedEvent, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	where, args, err := quarantineWhere(workspaceID, f)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list quarantined events: %w", err)
	}
	dir := "ASC"
	if f.Newest {
		dir = "DESC"
	}
	args = append(args, limit+1)
	rows, err := s.pool.Query(ctx, `SELECT `+quarantineColumns+` FROM quarantined_events
		WHERE `+where+`
		ORDER BY received_at `+dir+`, message_id `+dir+` LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list quarantined events: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanQuarantined(workspaceID))
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list quarantined events: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(last.ReceivedAt, last.MessageID)
	}
	return out, next, nil
}

// quarantineWhere is the condition of a ListQuarantined page and its
// arguments: the workspace, the event name, and past the cursor in the
// listing's order.
func quarantineWhere(workspaceID string, f QuarantineFilter) (string, []any, error) {
	where, args := []string{"workspace_id = $1"}, []any{workspaceID}
	if f.Event != "" {
		args = append(args, f.Event)
		where = append(where, "event_name = $"+strconv.Itoa(len(args)))
	}
	if f.After != "" {
		at, id, err := decodeCursor(f.After)
		if err != nil {
			return "", nil, err
		}
		op := ">"
		if f.Newest {
			op = "<"
		}
		args = append(args, at, id)
		where = append(where, fmt.Sprintf("(received_at, message_id) %s ($%d, $%d)", op, len(args)-1, len(args)))
	}
	return strings.Join(where, " AND "), args, nil
}

// GetQuarantined returns one quarantined event, or ErrNotFound.
func (s *Store) GetQuarantined(ctx context.Context, workspaceID, messageID string) (QuarantinedEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+quarantineColumns+` FROM quarantined_events
		WHERE workspace_id = $1 AND message_id = $2`, workspaceID, messageID)
	if err != nil {
		return QuarantinedEvent{}, fmt.Errorf("store: unable to read quarantined event %q: %w", messageID, err)
	}
	q, err := pgx.CollectExactlyOneRow(rows, scanQuarantined(workspaceID))
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return QuarantinedEvent{}, fmt.Errorf("store: unable to read quarantined event %q: %w", messageID, err)
	}
	return q, nil
}

// FixQuarantined replaces a quarantined event with its fixed version and
// the violations that remain, marking it fixed. Its workspace, message id
// and receive time stay as they were. It returns ErrNotFound when there is
// no such event.
func (s *Store) FixQuarantined(ctx context.Context, workspaceID, messageID string, e Event, violations []taxonomy.Violation) (QuarantinedEvent, error) {
	if violations == nil {
		violations = []taxonomy.Violation{}
	}
	e.MessageID = messageID
	rows, err := s.pool.Query(ctx, `
		UPDATE quarantined_events
		SET event = jsonb_set($3::jsonb, '{receivedAt}', event->'receivedAt'), event_name = $4, violations = $5,
		    status = 'fixed', updated_at = now()
		WHERE workspace_id = $1 AND message_id = $2
		RETURNING `+quarantineColumns, workspaceID, messageID, e.ToJSON(), e.Name, violations)
	if err != nil {
		return QuarantinedEvent{}, fmt.Errorf("store: unable to fix quarantined event %q: %w", messageID, err)
	}
	q, err := pgx.CollectExactlyOneRow(rows, scanQuarantined(workspaceID))
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return QuarantinedEvent{}, fmt.Errorf("store: unable to fix quarantined event %q: %w", messageID, err)
	}
	return q, nil
}

// ReleaseQuarantined deletes a quarantined event that a replay let in, or
// returns ErrNotFound.
func (s *Store) ReleaseQuarantined(ctx context.Context, workspaceID, messageID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM quarantined_events WHERE workspace_id = $1 AND message_id = $2`, workspaceID, messageID)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to release quarantined event %q: %w", messageID, err)
	}
	return nil
}

// ReasonQuarantineDropped counts quarantined events dropped by hand.
const ReasonQuarantineDropped = "quarantine_dropped"

// DropQuarantined deletes a quarantined event and counts it dropped (reason
// ReasonQuarantineDropped), in one transaction; ErrNotFound when there is none.
func (s *Store) DropQuarantined(ctx context.Context, workspaceID, messageID string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM quarantined_events WHERE workspace_id = $1 AND message_id = $2
			RETURNING event_name`, workspaceID, messageID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return countDropped(ctx, tx, workspaceID, name, ReasonQuarantineDropped, 1)
	})
	if err != nil {
		return fmt.Errorf("store: unable to drop quarantined event %q: %w", messageID, err)
	}
	return nil
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// CountDropped adds n to the workspace's count of events of this name
// dropped today (UTC) for reason ("blocked", ReasonQuarantineDropped, …).
func (s *Store) CountDropped(ctx context.Context, workspaceID, event, reason string, n int) error {
	if err := countDropped(ctx, s.pool, workspaceID, event, reason, n); err != nil {
		return fmt.Errorf("store: unable to count dropped %q events: %w", event, err)
	}
	return nil
}

func countDropped(ctx context.Context, db execer, workspaceID, event, reason string, n int) error {
	if n <= 0 {
		return nil
	}
	_, err := db.Exec(ctx, `
		INSERT INTO dropped_events (workspace_id, day, event_name, reason, count)
		VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, $3, $4)
		ON CONFLICT (workspace_id, day, event_name, reason) DO UPDATE SET count = dropped_events.count + excluded.count`,
		workspaceID, event, reason, n)
	return err
}

// DroppedCount is how many events of one name were dropped on one day for one reason.
type DroppedCount struct {
	Day    time.Time // midnight UTC
	Event  string
	Reason string
	Count  int64
}

// DroppedCounts lists the workspace's dropped-event counts from the day of
// since onwards, newest day first.
func (s *Store) DroppedCounts(ctx context.Context, workspaceID string, since time.Time) ([]DroppedCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT day, event_name, reason, count FROM dropped_events
		WHERE workspace_id = $1 AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
		ORDER BY day DESC, event_name, reason`, workspaceID, since)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list dropped events: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DroppedCount])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list dropped events: %w", err)
	}
	return out, nil
}
