package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Statuses of a message around its provider call (activities.Send).
const (
	MessagePending = "pending" // written, no provider call in flight: an attempt may call
	MessageSending = "sending" // a provider call began and its answer is not recorded
)

// ClaimMessage moves the workspace's message from "pending" to "sending",
// just before its provider call, and says whether it did. A message found
// in any other status (an earlier attempt's call unanswered, or a status
// the answer or a webhook set) is returned as it is, with false. It returns
// ErrNotFound when there is no such message.
//
// The claim re-checks, in its statement, that the message's customer was
// not erased: a pending row of an erased customer is never claimed
// (ErrErased). An erasure deletes the customer's rows, so a claim after it
// finds none (ErrNotFound). A claimed message's call is in flight: an
// erasure after it cannot call it back.
func (s *Store) ClaimMessage(ctx context.Context, workspaceID, id string) (LoggedMessage, bool, error) {
	m, err := scanLogged(s.pool.QueryRow(ctx, `UPDATE messages m SET status = $3, updated_at = now()
		WHERE m.workspace_id = $1 AND m.id = $2 AND m.status = $4
		  AND NOT EXISTS (SELECT 1 FROM erased_ids x WHERE x.workspace_id = $1 AND x.hash = `+erasedCustomerHash("m.customer_id")+`)
		RETURNING `+loggedColumns, workspaceID, id, MessageSending, MessagePending))
	if err == nil {
		return m, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to claim message %q: %w", id, err)
	}
	m, _, err = s.LoggedMessageByID(ctx, workspaceID, id)
	if err == nil && m.Status == MessagePending {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to claim message %q: %w", id, ErrErased)
	}
	if err != nil {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to claim message %q: %w", id, err)
	}
	return m, false, nil
}

// ReleaseMessage moves a "sending" message back to "pending" when its
// provider answered without taking it (a 5xx, a 429), so the next attempt
// may call again; a message in any other status is left alone.
func (s *Store) ReleaseMessage(ctx context.Context, workspaceID, id string) error {
	_, err := s.pool.Exec(ctx, `UPDATE messages SET status = $3, updated_at = now()
		WHERE workspace_id = $1 AND id = $2 AND status = $4`, workspaceID, id, MessagePending, MessageSending)
	if err != nil {
		return fmt.Errorf("store: unable to release message %q: %w", id, err)
	}
	return nil
}

// SkipPendingMessage moves a "pending" message (no provider call in
// flight) to "skipped" with the reason as its body, when a later attempt
// finds the customer may no longer be sent it (an opt-out meanwhile); it
// returns the message as it is after, and whether it moved it.
func (s *Store) SkipPendingMessage(ctx context.Context, workspaceID, id, reason string) (LoggedMessage, bool, error) {
	m, err := scanLogged(s.pool.QueryRow(ctx, `UPDATE messages SET status = 'skipped', body = $3, updated_at = now()
		WHERE workspace_id = $1 AND id = $2 AND status = $4
		RETURNING `+loggedColumns, workspaceID, id, reason, MessagePending))
	if err == nil {
		return m, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to skip message %q: %w", id, err)
	}
	m, _, err = s.LoggedMessageByID(ctx, workspaceID, id)
	if err != nil {
		return LoggedMessage{}, false, fmt.Errorf("store: unable to skip message %q: %w", id, err)
	}
	return m, false, nil
}
