package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is one thing a customer did, as a service sent it (Segment spec).
type Event struct {
	WorkspaceID string
	MessageID   string // the sender's id for the call: a second event with the same id is a duplicate
	Type        string // "track" when empty
	UserID      string
	Name        string
	Properties  json.RawMessage // '{}' when nil
	Context     json.RawMessage // '{}' when nil
	Timestamp   time.Time       // when it happened; the receive time when zero
	ReceivedAt  time.Time       // now() when zero
	RoutedAt    *time.Time      // nil until the journeys that use it have been signalled
}

const eventColumns = `workspace_id, message_id, type, user_id, event, properties, context,
	timestamp, received_at, routed_at`

func scanEvent(row pgx.Row) (Event, error) {
	var e Event
	err := row.Scan(&e.WorkspaceID, &e.MessageID, &e.Type, &e.UserID, &e.Name, &e.Properties, &e.Context,
		&e.Timestamp, &e.ReceivedAt, &e.RoutedAt)
	return e, err
}

// InsertEvent stores the event unless the workspace has one with its
// MessageID. It returns the stored row and true, or for a duplicate the row
// stored first and false.
func (s *Store) InsertEvent(ctx context.Context, e Event) (stored Event, inserted bool, err error) {
	if e.WorkspaceID == "" || e.MessageID == "" {
		return Event{}, false, errors.New("store: unable to insert event: empty workspace or message id")
	}
	var receivedAt, timestamp *time.Time
	if !e.ReceivedAt.IsZero() {
		receivedAt = &e.ReceivedAt
	}
	if !e.Timestamp.IsZero() {
		timestamp = &e.Timestamp
	}
	stored, err = scanEvent(s.pool.QueryRow(ctx, `
		INSERT INTO events (workspace_id, message_id, type, user_id, event, properties, context, timestamp, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, $9, now()), COALESCE($9, now()))
		ON CONFLICT (workspace_id, message_id) DO NOTHING
		RETURNING `+eventColumns,
		e.WorkspaceID, e.MessageID, cmp.Or(e.Type, "track"), e.UserID, e.Name,
		jsonObject(e.Properties), jsonObject(e.Context), timestamp, receivedAt))
	if err == nil {
		return stored, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Event{}, false, fmt.Errorf("store: unable to insert event: %w", err)
	}
	// A duplicate: read it in a statement of its own, which sees it even if
	// another transaction committed it while the insert waited.
	stored, err = scanEvent(s.pool.QueryRow(ctx, `
		SELECT `+eventColumns+` FROM events WHERE workspace_id = $1 AND message_id = $2`,
		e.WorkspaceID, e.MessageID))
	if err != nil {
		return Event{}, false, fmt.Errorf("store: unable to insert event: read the stored one: %w", err)
	}
	return stored, false, nil
}

// MarkEventRouted records that the event reached every journey run that
// uses it; the first time counts. It returns ErrNotFound for an unknown event.
func (s *Store) MarkEventRouted(ctx context.Context, workspaceID, messageID string) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE events SET routed_at = COALESCE(routed_at, now())
		WHERE workspace_id = $1 AND message_id = $2`, workspaceID, messageID)
	if err != nil {
		return fmt.Errorf("store: unable to mark event routed: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: unable to mark event %q routed: %w", messageID, ErrNotFound)
	}
	return nil
}

// jsonObject stores a missing JSON document as an empty object.
func jsonObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}
