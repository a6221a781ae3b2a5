package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// statusRank orders message statuses: messages.status only moves to a
// status of equal or higher rank, so events arriving out of order (a
// "delivered" after its "open") do not move a message back.
var statusRank = map[string]int{
	"recorded": 0, "pending": 0, "sending": 0, "sent": 1, "unconfirmed": 1, "processed": 1, "deferred": 2,
	"delivered": 3, "bounced": 3, "blocked": 3, "dropped": 3, "failed": 3,
	"opened": 4, "clicked": 5, "spam_reported": 6, "unsubscribed": 6, "resubscribed": 6,
	// A test send (POST /v1/templates/{id}/test-send) stays "test" whatever
	// its provider reports (the events are still logged), so caps and KPIs
	// never count it.
	"test": 100,
}

// MessageStatusKnown says whether status is one RecordMessageEvent knows.
func MessageStatusKnown(status string) bool {
	_, ok := statusRank[status]
	return ok
}

// MessageEvent is one thing that happened to a sent message, as its
// provider (or the app, for push opens) reported it.
type MessageEvent struct {
	WorkspaceID   string
	EventID       string // the provider's id of the event: a second report with it is a duplicate
	MessageID     string
	Status        string // a status MessageStatusKnown knows
	ProviderEvent string // the provider's name for it: "bounce", "open", …
	At            time.Time
	Detail        json.RawMessage // what the provider said, {} when nil
	ProviderID    string          // the provider's id of the message; kept if the message has none yet
}

// LoggedMessage is a message as the message log shows it.
type LoggedMessage struct {
	Message
	ProviderID string
	UpdatedAt  time.Time
}

// LogFilter selects and pages messages for MessageLog.
type LogFilter struct {
	CustomerID string // all customers when empty
	JourneyID  string // all journeys when empty
	Status     string // all statuses when empty
	Limit      int    // default 50, at most 500
	After      string // the cursor of the previous page, "" for the first
}

const loggedColumns = messageColumns + `, provider_id, updated_at`

func scanLogged(row pgx.Row) (LoggedMessage, error) {
	var m LoggedMessage
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.CustomerID, &m.JourneyID, &m.JourneyVersion, &m.WorkflowID,
		&m.RunID, &m.NodeID, &m.Channel, &m.Subject, &m.Body, &m.Status, &m.CreatedAt, &m.Recipient, &m.ProviderID, &m.UpdatedAt)
	return m, err
}

// RecordMessageEvent stores the event and moves its message's status,
// unless the workspace recorded an event with that EventID before: then it
// changes nothing and returns false. It returns ErrNotFound when the
// workspace has no message with that ID; either way it returns the message.
func (s *Store) RecordMessageEvent(ctx context.Context, e MessageEvent) (msg LoggedMessage, recorded bool, err error) {
	if e.WorkspaceID == "" || e.EventID == "" || e.MessageID == "" || !MessageStatusKnown(e.Status) {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to record message event: workspace, event id, message id and a known status are required (status %q)", e.Status)
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage(`{}`)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		msg, err = scanLogged(tx.QueryRow(ctx, `SELECT `+loggedColumns+` FROM messages
			WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, e.WorkspaceID, e.MessageID))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock message: %w", err)
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO message_events (workspace_id, event_id, message_id, status, provider_event, at, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			e.WorkspaceID, e.EventID, e.MessageID, e.Status, e.ProviderEvent, e.At, e.Detail)
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if recorded = tag.RowsAffected() == 1; !recorded {
			return nil
		}
		if statusRank[e.Status] >= statusRank[msg.Status] {
			msg.Status = e.Status
		}
		if msg.ProviderID == "" {
			msg.ProviderID = e.ProviderID
		}
		return tx.QueryRow(ctx, `UPDATE messages SET status = $3, provider_id = $4, updated_at = now()
			WHERE workspace_id = $1 AND id = $2 RETURNING updated_at`,
			e.WorkspaceID, e.MessageID, msg.Status, msg.ProviderID).Scan(&msg.UpdatedAt)
	})
	if errors.Is(err, ErrNotFound) {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to record message event: message %q: %w", e.MessageID, ErrNotFound)
	}
	if err != nil {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to record message event: %w", err)
	}
	return msg, recorded, nil
}

// LoggedMessageByID returns the workspace's message with its status
// history, oldest first, or ErrNotFound.
func (s *Store) LoggedMessageByID(ctx context.Context, workspaceID, id string) (LoggedMessage, []MessageEvent, error) {
	msg, err := scanLogged(s.pool.QueryRow(ctx, `SELECT `+loggedColumns+` FROM messages
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return LoggedMessage{}, nil, ErrNotFound
	}
	if err != nil {
		return LoggedMessage{}, nil, fmt.Errorf("store: unable to read message: %w", err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT workspace_id, event_id, message_id, status, provider_event, at, detail, ''
		FROM message_events WHERE workspace_id = $1 AND message_id = $2
		ORDER BY at, recorded_at, event_id`, workspaceID, id)
	if err != nil {
		return LoggedMessage{}, nil, fmt.Errorf("store: unable to read message history: %w", err)
	}
	history, err := pgx.CollectRows(rows, pgx.RowToStructByPos[MessageEvent])
	if err != nil {
		return LoggedMessage{}, nil, fmt.Errorf("store: unable to read message history: %w", err)
	}
	return msg, history, nil
}

// MessageLog returns a page of the workspace's messages with their current
// status, oldest first by (created_at, id), and the cursor of the next page,
// "" after the last one. An After it did not make wraps ErrInvalidCursor.
func (s *Store) MessageLog(ctx context.Context, workspaceID string, f LogFilter) ([]LoggedMessage, string, error) {
	msgs, next, err := messagePage(ctx, s, workspaceID, pageOf{
		Equal: map[string]string{"customer_id": f.CustomerID, "journey_id": f.JourneyID, "status": f.Status},
		Limit: f.Limit, After: f.After,
	}, loggedColumns, func(row pgx.CollectableRow) (LoggedMessage, error) { return scanLogged(row) })
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list the message log: %w", err)
	}
	return msgs, next, nil
}

// WebhookSeen says whether the workspace handled the provider's webhook
// event before (MarkWebhookSeen).
func (s *Store) WebhookSeen(ctx context.Context, workspaceID, provider, eventID string) (bool, error) {
	var seen bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_receipts
		WHERE workspace_id = $1 AND provider = $2 AND event_id = $3)`, workspaceID, provider, eventID).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("store: unable to look up webhook receipt: %w", err)
	}
	return seen, nil
}

// MarkWebhooksSeen is MarkWebhookSeen of many events in one statement.
func (s *Store) MarkWebhooksSeen(ctx context.Context, workspaceID, provider string, eventIDs []string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO webhook_receipts (workspace_id, provider, event_id)
		SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`, workspaceID, provider, eventIDs)
	if err != nil {
		return fmt.Errorf("store: unable to record webhook receipts: %w", err)
	}
	return nil
}

// MarkWebhookSeen records that the workspace handled the provider's webhook
// event; marking it again changes nothing. Mark after handling, so that a
// failure half-way lets the provider's retry handle it again.
func (s *Store) MarkWebhookSeen(ctx context.Context, workspaceID, provider, eventID string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO webhook_receipts (workspace_id, provider, event_id)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, workspaceID, provider, eventID)
	if err != nil {
		return fmt.Errorf("store: unable to record webhook receipt: %w", err)
	}
	return nil
}
