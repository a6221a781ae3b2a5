package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrInvalidCursor is returned by ListMessages for an After it did not make.
var ErrInvalidCursor = errors.New("store: invalid cursor")

// Message is one message a journey step sent (or, in development, recorded).
type Message struct {
	ID             string // deterministic from run and step: a retried step finds its first message
	WorkspaceID    string
	CustomerID     string
	JourneyID      string
	JourneyVersion int
	WorkflowID     string
	RunID          string
	NodeID         string
	Channel        string
	Subject        string
	Body           string
	Status         string    // "recorded" when empty
	CreatedAt      time.Time // now() when zero
	// Recipient is the shop's own address the message went to instead of
	// the customer's (a sales owner's lead alert); "" for the customer.
	// Frequency caps leave such a message out, and what its provider
	// reports is no engagement of the customer's.
	Recipient string
	// Variant is the A/B variant of a broadcast's message ("" for none);
	// only RecordBroadcastMessages writes it.
	Variant string
}

// MessageFilter selects and pages messages for ListMessages.
type MessageFilter struct {
	CustomerID string // all customers when empty
	Channel    string // all channels when empty
	Limit      int    // default 50, at most 500
	After      string // the cursor of the previous page, "" for the first
}

const (
	defaultMessageLimit = 50
	maxMessageLimit     = 500
)

const messageColumns = `id, workspace_id, customer_id, journey_id, journey_version, workflow_id,
	run_id, node_id, channel, subject, body, status, created_at, recipient`

func scanMessage(row pgx.Row) (Message, error) {
	var m Message
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.CustomerID, &m.JourneyID, &m.JourneyVersion, &m.WorkflowID,
		&m.RunID, &m.NodeID, &m.Channel, &m.Subject, &m.Body, &m.Status, &m.CreatedAt, &m.Recipient)
	return m, err
}

// RecordMessage stores the message unless one with its ID exists: then it
// changes nothing and returns the row stored first, and false. It returns
// ErrConflict if that ID belongs to another workspace, and ErrErased,
// writing nothing, when the customer was erased (an erasure in progress
// is waited for: see lockCustomerSQL).
func (s *Store) RecordMessage(ctx context.Context, m Message) (stored Message, inserted bool, err error) {
	if m.ID == "" || m.WorkspaceID == "" || m.CustomerID == "" || m.Channel == "" {
		return Message{}, false, errors.New("store: unable to record message: id, workspace, customer and channel are required")
	}
	var createdAt *time.Time
	if !m.CreatedAt.IsZero() {
		createdAt = &m.CreatedAt
	}
	var erased bool
	stored, erased, err = s.insertMessage(ctx, m, createdAt)
	if err == nil && erased {
		err = ErrErased
	}
	if errors.Is(err, ErrErased) {
		return Message{}, false, fmt.Errorf("store: unable to record message %q: %w", m.ID, err)
	}
	if err == nil {
		return stored, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Message{}, false, fmt.Errorf("store: unable to record message: %w", err)
	}
	// A duplicate: read it in a statement of its own, which sees it even if
	// another transaction committed it while the insert waited.
	stored, err = scanMessage(s.pool.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, m.ID))
	if err != nil {
		return Message{}, false, fmt.Errorf("store: unable to record message: read the existing one: %w", err)
	}
	if stored.WorkspaceID != m.WorkspaceID {
		return Message{}, false, fmt.Errorf("store: unable to record message %q: its id is taken in another workspace: %w", m.ID, ErrConflict)
	}
	return stored, false, nil
}

// insertMessage inserts m unless its customer was erased, in one round
// trip: a batch runs as one implicit transaction, so the advisory lock
// (lockCustomerSQL) holds until the insert is done, and each statement
// after it sees an erasure that committed while the lock waited. A
// duplicate id is pgx.ErrNoRows.
func (s *Store) insertMessage(ctx context.Context, m Message, createdAt *time.Time) (stored Message, erased bool, err error) {
	b := &pgx.Batch{}
	b.Queue(lockCustomerSQL, m.WorkspaceID, m.CustomerID)
	b.Queue(erasedCustomerSQL, m.WorkspaceID, m.CustomerID)
	b.Queue(`
		INSERT INTO messages (id, workspace_id, customer_id, journey_id, journey_version, workflow_id,
			run_id, node_id, channel, subject, body, status, created_at, recipient)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, COALESCE($13, now()), $14
		WHERE NOT EXISTS (SELECT 1 FROM erased_ids WHERE workspace_id = $2 AND hash =
			(SELECT `+hashSQL("salt", "'customer'", "$3::text")+` FROM erasure_salts WHERE workspace_id = $2))
		ON CONFLICT (id) DO NOTHING
		RETURNING `+messageColumns,
		m.ID, m.WorkspaceID, m.CustomerID, m.JourneyID, m.JourneyVersion, m.WorkflowID,
		m.RunID, m.NodeID, m.Channel, m.Subject, m.Body, cmp.Or(m.Status, "recorded"), createdAt, m.Recipient)
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		// Close reads what is left of the batch, and the implicit transaction's end with it.
		if closeErr := br.Close(); err == nil && closeErr != nil {
			err = closeErr
		}
	}()
	if _, err := br.Exec(); err != nil {
		return Message{}, false, err
	}
	if err := br.QueryRow().Scan(&erased); err != nil || erased {
		return Message{}, erased, err
	}
	stored, err = scanMessage(br.QueryRow())
	return stored, false, err
}

// ListMessages returns a page of the workspace's messages, oldest first by
// (created_at, id), and the cursor of the next page, "" after the last one.
// An After it did not make gives an error wrapping ErrInvalidCursor.
func (s *Store) ListMessages(ctx context.Context, workspaceID string, f MessageFilter) ([]Message, string, error) {
	msgs, next, err := messagePage(ctx, s, workspaceID, pageOf{
		Equal: map[string]string{"customer_id": f.CustomerID, "channel": f.Channel}, Limit: f.Limit, After: f.After,
	}, messageColumns, func(row pgx.CollectableRow) (Message, error) { return scanMessage(row) })
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list messages: %w", err)
	}
	return msgs, next, nil
}

// pageOf selects one page of a workspace's messages: those whose columns
// equal the non-empty values of Equal, after the cursor After.
type pageOf struct {
	Equal map[string]string
	Limit int // default 50, at most 500
	After string
}

// messagePage reads the page p of the workspace's messages, oldest first
// by (created_at, id), as cols scanned by scan, and the cursor of the next
// page, "" after the last one.
func messagePage[T interface{ cursor() (time.Time, string) }](ctx context.Context, s *Store, workspaceID string, p pageOf, cols string, scan func(pgx.CollectableRow) (T, error)) (page []T, next string, err error) {
	limit := p.Limit
	if limit <= 0 {
		limit = defaultMessageLimit
	}
	limit = min(limit, maxMessageLimit)
	where, args := []string{"workspace_id = $1"}, []any{workspaceID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, col := range slices.Sorted(maps.Keys(p.Equal)) {
		if v := p.Equal[col]; v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	if p.After != "" {
		at, id, err := decodeCursor(p.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at, id) > ("+arg(at)+"::timestamptz, "+arg(id)+")")
	}
	rows, err := s.pool.Query(ctx, `SELECT `+cols+` FROM messages WHERE `+strings.Join(where, " AND ")+`
		ORDER BY created_at, id LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	if page, err = pgx.CollectRows(rows, scan); err != nil {
		return nil, "", err
	}
	if len(page) > limit {
		page = page[:limit]
		next = encodeCursor(page[limit-1].cursor())
	}
	return page, next, nil
}

func (m Message) cursor() (time.Time, string) { return m.CreatedAt, m.ID }

// A cursor is the position of the last message of a page: its created_at
// (microseconds, Postgres' precision) and id, base64url-encoded so callers
// treat it as opaque.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + id))
}

func decodeCursor(cursor string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return time.Time{}, "", ErrInvalidCursor
	}
	micros, id, ok := strings.Cut(string(raw), ":")
	us, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", ErrInvalidCursor
	}
	return time.UnixMicro(us), id, nil
}
