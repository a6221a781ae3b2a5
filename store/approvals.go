package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The kinds of change that may need an approval.
const (
	ApprovalJourneyActivate   = "journey.activate"
	ApprovalBroadcastSchedule = "broadcast.schedule"
)

// The states of an approval request.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	// ApprovalFailed: approved, but performing the change failed (the
	// error says why); a new request may be made.
	ApprovalFailed = "failed"
)

// ApprovalPolicy is a workspace's rule: whether activating a journey or
// scheduling a broadcast needs an approval, and which role approves
// (owners always may).
type ApprovalPolicy struct {
	Required     bool
	ApproverRole string
}

// ApprovalRequest is one change waiting for, or decided by, an approver.
type ApprovalRequest struct {
	ID          string
	WorkspaceID string
	Kind        string
	TargetID    string
	Params      json.RawMessage
	State       string
	RequestedBy AuditActor
	RequestedAt time.Time
	DecidedBy   AuditActor
	DecidedAt   *time.Time
	Comment     string
	Error       string
}

// ApprovalPolicy returns the workspace's approval rule.
func (s *Store) ApprovalPolicy(ctx context.Context, workspaceID string) (ApprovalPolicy, error) {
	var p ApprovalPolicy
	err := s.pool.QueryRow(ctx, `SELECT approvals_required, approver_role FROM workspaces WHERE id = $1`, workspaceID).
		Scan(&p.Required, &p.ApproverRole)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: unable to read the approval policy: %w", err)
	}
	return p, nil
}

// SetApprovalPolicy replaces the workspace's approval rule.
func (s *Store) SetApprovalPolicy(ctx context.Context, workspaceID string, p ApprovalPolicy) (ApprovalPolicy, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE workspaces SET approvals_required = $2, approver_role = $3 WHERE id = $1`,
		workspaceID, p.Required, p.ApproverRole)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: unable to set the approval policy: %w", err)
	}
	return p, nil
}

const approvalColumns = `id, workspace_id, kind, target_id, params, state, requested_by_kind, requested_by_id, requested_by_name,
	requested_at, decided_by_kind, decided_by_id, decided_by_name, decided_at, comment, error`

func scanApproval(row pgx.Row) (ApprovalRequest, error) {
	var a ApprovalRequest
	err := row.Scan(&a.ID, &a.WorkspaceID, &a.Kind, &a.TargetID, &a.Params, &a.State, &a.RequestedBy.Kind, &a.RequestedBy.ID,
		&a.RequestedBy.Name, &a.RequestedAt, &a.DecidedBy.Kind, &a.DecidedBy.ID, &a.DecidedBy.Name, &a.DecidedAt, &a.Comment, &a.Error)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return a, err
}

// RequestApproval records a pending request for the change, or returns
// the one already pending for the same change (its params then replaced
// by these). A key requester without a name is named by its key's name.
func (s *Store) RequestApproval(ctx context.Context, r ApprovalRequest) (ApprovalRequest, error) {
	if len(r.Params) == 0 {
		r.Params = json.RawMessage(`{}`)
	}
	a, err := scanApproval(s.pool.QueryRow(ctx, `
		INSERT INTO approval_requests (id, workspace_id, kind, target_id, params, requested_by_kind, requested_by_id, requested_by_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7,
		        CASE WHEN $8 = '' AND $6 = 'key' THEN coalesce((SELECT name FROM api_keys WHERE id = $7 AND workspace_id = $2), '') ELSE $8 END)
		ON CONFLICT (workspace_id, kind, target_id) WHERE state = 'pending' DO UPDATE SET params = EXCLUDED.params
		RETURNING `+approvalColumns,
		"apr_"+randomString(16, base62), r.WorkspaceID, r.Kind, r.TargetID, []byte(r.Params), r.RequestedBy.Kind, r.RequestedBy.ID, r.RequestedBy.Name))
	if err != nil {
		return a, fmt.Errorf("store: unable to request approval: %w", err)
	}
	return a, nil
}

// ApprovalRequestByID returns one request of the workspace.
func (s *Store) ApprovalRequestByID(ctx context.Context, workspaceID, id string) (ApprovalRequest, error) {
	a, err := scanApproval(s.pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approval_requests WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id))
	if err != nil {
		return a, fmt.Errorf("store: unable to get approval request %s: %w", id, err)
	}
	return a, nil
}

// DecideApproval moves a pending request to state (approved or rejected)
// by decider with comment, and returns it. Only a pending request moves,
// in one conditional statement: of two approvals at once, one decides and
// the other gets ErrConflict. ErrNotFound when the workspace has no such
// request.
func (s *Store) DecideApproval(ctx context.Context, workspaceID, id, state string, decider AuditActor, comment string) (ApprovalRequest, error) {
	a, err := scanApproval(s.pool.QueryRow(ctx, `
		UPDATE approval_requests SET state = $3, decided_by_kind = $4, decided_by_id = $5,
		       decided_by_name = CASE WHEN $6 = '' AND $4 = 'key' THEN coalesce((SELECT name FROM api_keys WHERE id = $5 AND workspace_id = $1), '') ELSE $6 END,
		       decided_at = now(), comment = $7
		WHERE workspace_id = $1 AND id = $2 AND state = 'pending'
		RETURNING `+approvalColumns, workspaceID, id, state, decider.Kind, decider.ID, decider.Name, comment))
	if errors.Is(err, ErrNotFound) {
		if _, getErr := s.ApprovalRequestByID(ctx, workspaceID, id); getErr == nil {
			err = ErrConflict
		}
	}
	if err != nil {
		return a, fmt.Errorf("store: unable to decide approval request %s: %w", id, err)
	}
	return a, nil
}

// FailApproval marks an approved request whose change failed.
func (s *Store) FailApproval(ctx context.Context, workspaceID, id, reason string) error {
	_, err := s.pool.Exec(ctx, `UPDATE approval_requests SET state = 'failed', error = $3 WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id, reason)
	if err != nil {
		return fmt.Errorf("store: unable to mark approval request %s failed: %w", id, err)
	}
	return nil
}

// ApprovalRequests returns a page of the workspace's requests, newest
// first, of state when not empty, and the cursor of the next page.
func (s *Store) ApprovalRequests(ctx context.Context, workspaceID, state string, limit int, after string) ([]ApprovalRequest, string, error) {
	if limit <= 0 {
		limit = defaultMessageLimit
	}
	limit = min(limit, maxMessageLimit)
	at, id := time.Time{}, ""
	if after != "" {
		var err error
		if at, id, err = decodeCursor(after); err != nil {
			return nil, "", fmt.Errorf("store: unable to list approval requests: %w", err)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT `+approvalColumns+` FROM approval_requests
		WHERE workspace_id = $1 AND ($2 = '' OR state = $2) AND ($3 = '' OR (requested_at, id) < ($4::timestamptz, $3))
		ORDER BY requested_at DESC, id DESC LIMIT $5`, workspaceID, state, id, at, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list approval requests: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ApprovalRequest, error) { return scanApproval(r) })
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to list approval requests: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = encodeCursor(list[limit-1].RequestedAt, list[limit-1].ID)
	}
	return list, next, nil
}

// LatestApproval returns the newest request of the kind for the target
// (a journey's activation, a broadcast's scheduling), whatever its state;
// ErrNotFound when there is none.
func (s *Store) LatestApproval(ctx context.Context, workspaceID, kind, targetID string) (ApprovalRequest, error) {
	a, err := scanApproval(s.pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approval_requests
		WHERE workspace_id = $1 AND kind = $2 AND target_id = $3 ORDER BY requested_at DESC, id DESC LIMIT 1`,
		workspaceID, kind, targetID))
	if err != nil {
		return a, fmt.Errorf("store: unable to get the latest approval request of %s: %w", targetID, err)
	}
	return a, nil
}
