package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Broadcast statuses.
const (
	BroadcastDraft     = "draft"     // created, not scheduled
	BroadcastScheduled = "scheduled" // its workflow waits for send_at
	BroadcastSending   = "sending"
	BroadcastPaused    = "paused"
	BroadcastCompleted = "completed"
	BroadcastCancelled = "cancelled"
	BroadcastFailed    = "failed"
)

// Broadcast is one message to a segment on a channel.
type Broadcast struct {
	WorkspaceID string
	ID          string
	Name        string
	SegmentID   string
	Channel     string
	TemplateID  string          // a stored message template, or
	Content     json.RawMessage // inline content (nil with a template)
	Topic       string          // the consent topic, "" for the channel as a whole
	// Transactional marks a broadcast that is not advertising (a service
	// notice): the advertising-mail policy does not hold it back.
	Transactional bool
	QuietHours    json.RawMessage // {"start","end","timezone"}, nil for none
	// ABTest is the broadcast's A/B test as its author wrote it (nil for
	// none), ABResult the winner and its statistics once picked.
	ABTest, ABResult json.RawMessage
	Status           string
	SendAt           *time.Time
	Audience         int // segment members counted when sending began
	Error            string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	StartedAt        *time.Time
	FinishedAt       *time.Time
}

const broadcastColumns = `workspace_id, id, name, segment_id, channel, template_id, content, topic, quiet_hours,
	status, send_at, audience, error, created_at, updated_at, started_at, finished_at, transactional, ab_test, ab_result`

func scanBroadcast(row pgx.Row) (Broadcast, error) {
	var b Broadcast
	err := row.Scan(&b.WorkspaceID, &b.ID, &b.Name, &b.SegmentID, &b.Channel, &b.TemplateID, &b.Content, &b.Topic,
		&b.QuietHours, &b.Status, &b.SendAt, &b.Audience, &b.Error, &b.CreatedAt, &b.UpdatedAt, &b.StartedAt, &b.FinishedAt, &b.Transactional,
		&b.ABTest, &b.ABResult)
	return b, err
}

// CreateBroadcast stores a draft broadcast; ErrConflict when the id is taken.
func (s *Store) CreateBroadcast(ctx context.Context, b Broadcast) (Broadcast, error) {
	if len(b.Content) == 0 {
		b.Content = nil
	}
	if len(b.QuietHours) == 0 {
		b.QuietHours = nil
	}
	if len(b.ABTest) == 0 {
		b.ABTest = nil
	}
	out, err := scanBroadcast(s.pool.QueryRow(ctx, `
		INSERT INTO broadcasts (workspace_id, id, name, segment_id, channel, template_id, content, topic, quiet_hours, transactional, ab_test)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING `+broadcastColumns,
		b.WorkspaceID, b.ID, b.Name, b.SegmentID, b.Channel, b.TemplateID, b.Content, b.Topic, b.QuietHours, b.Transactional, b.ABTest))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return Broadcast{}, fmt.Errorf("store: unable to create broadcast %q: %w", b.ID, ErrConflict)
	}
	if err != nil {
		return Broadcast{}, fmt.Errorf("store: unable to create broadcast %q: %w", b.ID, err)
	}
	return out, nil
}

// GetBroadcast returns the workspace's broadcast, or ErrNotFound.
func (s *Store) GetBroadcast(ctx context.Context, workspaceID, id string) (Broadcast, error) {
	b, err := scanBroadcast(s.pool.QueryRow(ctx, `SELECT `+broadcastColumns+` FROM broadcasts
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Broadcast{}, fmt.Errorf("store: unable to get broadcast %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Broadcast{}, fmt.Errorf("store: unable to get broadcast %q: %w", id, err)
	}
	return b, nil
}

// ListBroadcasts returns a page of the workspace's broadcasts, oldest first,
// and the cursor of the next page ("" after the last). An after it did not
// make wraps ErrInvalidCursor.
func (s *Store) ListBroadcasts(ctx context.Context, workspaceID string, limit int, after string) ([]Broadcast, string, error) {
	if limit <= 0 {
		limit = defaultMessageLimit
	}
	limit = min(limit, maxMessageLimit)
	at, id := time.Time{}, ""
	if after != "" {
		var err error
		if at, id, err = decodeCursor(after); err != nil {
			return nil, "", fmt.Errorf("store: unable to list broadcasts: %w", err)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT `+broadcastColumns+` FROM broadcasts
		WHERE workspace_id = $1 AND ($2 = '' OR (created_at, id) > ($3::timestamptz, $2))
		ORDER BY created_at, id LIMIT $4`, workspaceID, id, at, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list broadcasts: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Broadcast, error) { return scanBroadcast(r) })
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list broadcasts: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = encodeCursor(list[limit-1].CreatedAt, list[limit-1].ID)
	}
	return list, next, nil
}

// ScheduleBroadcast moves a draft (or a broadcast still waiting) to
// scheduled at sendAt. It returns ErrConflict when the broadcast has begun
// sending or has ended, ErrNotFound when there is none.
func (s *Store) ScheduleBroadcast(ctx context.Context, workspaceID, id string, sendAt time.Time) (Broadcast, error) {
	b, err := scanBroadcast(s.pool.QueryRow(ctx, `UPDATE broadcasts SET status = 'scheduled', send_at = $3, updated_at = now()
		WHERE workspace_id = $1 AND id = $2 AND status IN ('draft', 'scheduled')
		RETURNING `+broadcastColumns, workspaceID, id, sendAt))
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := s.GetBroadcast(ctx, workspaceID, id); gerr != nil {
			return Broadcast{}, gerr
		}
		return Broadcast{}, fmt.Errorf("store: unable to schedule broadcast %q: it has begun or ended: %w", id, ErrConflict)
	}
	if err != nil {
		return Broadcast{}, fmt.Errorf("store: unable to schedule broadcast %q: %w", id, err)
	}
	return b, nil
}

// SetBroadcastStatus records a broadcast's status as its workflow moves it:
// sending (with the audience counted then), paused, and the ends
// (completed, cancelled, failed with errText). A broadcast that has ended
// keeps its end, and ending drops its quiet-hours deferrals in the same
// statement: nobody is held for a broadcast that will send no more.
func (s *Store) SetBroadcastStatus(ctx context.Context, workspaceID, id, status string, audience int, errText string) error {
	var moved int
	err := s.pool.QueryRow(ctx, `WITH moved AS (
			UPDATE broadcasts SET status = $3, error = $5, updated_at = now(),
				audience = CASE WHEN $3 = 'sending' AND started_at IS NULL THEN $4 ELSE audience END,
				started_at = CASE WHEN $3 = 'sending' THEN COALESCE(started_at, now()) ELSE started_at END,
				finished_at = CASE WHEN $3 IN ('completed', 'cancelled', 'failed') THEN now() ELSE finished_at END
			WHERE workspace_id = $1 AND id = $2 AND status NOT IN ('completed', 'cancelled', 'failed')
			RETURNING finished_at),
		pruned AS (
			DELETE FROM broadcast_deferrals
			WHERE workspace_id = $1 AND broadcast_id = $2 AND EXISTS (SELECT 1 FROM moved WHERE finished_at IS NOT NULL))
		SELECT count(*) FROM moved`,
		workspaceID, id, status, audience, errText).Scan(&moved)
	if err != nil {
		return fmt.Errorf("store: unable to set broadcast %q %s: %w", id, status, err)
	}
	if moved == 0 {
		if _, err := s.GetBroadcast(ctx, workspaceID, id); err != nil {
			return err
		}
	}
	return nil
}

// BroadcastProgress is what a broadcast has done so far, counted from its messages.
type BroadcastProgress struct {
	Sent      int            // accepted by the provider (or recorded by the outbox), and anything after
	Sending   int            // written before a provider call that has not answered yet
	Failed    int            // refused by the provider
	Skipped   map[string]int // by reason: opted out, suppressed, capped, no address
	Deferred  int            // held until their quiet hours end, not yet sent
	Processed int            // every message written
}

// BroadcastProgress counts a broadcast's messages by status (skipped ones
// by reason) and its customers still held for quiet hours.
func (s *Store) BroadcastProgress(ctx context.Context, workspaceID, id string) (BroadcastProgress, error) {
	p := BroadcastProgress{Skipped: map[string]int{}}
	rows, err := s.pool.Query(ctx, `SELECT status, CASE WHEN status = 'skipped' THEN body ELSE '' END, count(*)
		FROM messages WHERE workspace_id = $1 AND broadcast_id = $2 GROUP BY 1, 2`, workspaceID, id)
	if err != nil {
		return p, fmt.Errorf("store: unable to count broadcast %q: %w", id, err)
	}
	var status, reason string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&status, &reason, &n}, func() error {
		p.Processed += n
		switch status {
		case "skipped":
			p.Skipped[reason] += n
		case "sending", "pending": // written, no answer from the provider yet
			p.Sending += n
		case "failed", "dropped", "blocked", "bounced":
			p.Failed += n
		default:
			p.Sent += n
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("store: unable to count broadcast %q: %w", id, err)
	}
	err = s.pool.QueryRow(ctx, `SELECT count(*) FROM broadcast_deferrals d WHERE d.workspace_id = $1 AND d.broadcast_id = $2
		AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = $3 || d.customer_id)`,
		workspaceID, id, BroadcastMessagePrefix(workspaceID, id)).Scan(&p.Deferred)
	if err != nil {
		return p, fmt.Errorf("store: unable to count deferrals of broadcast %q: %w", id, err)
	}
	return p, nil
}

// BroadcastMessagePrefix starts the ID of every message of a broadcast; the
// customer's ID ends it, so a retried batch finds the messages it wrote.
// Message IDs are unique across workspaces, hence the workspace.
func BroadcastMessagePrefix(workspaceID, broadcastID string) string {
	return "bc/" + workspaceID + "/" + broadcastID + "/"
}
