package broadcasts

import (
	"context"
	"errors"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// Status is a broadcast with its progress as its messages in Postgres say,
// and the running workflow's own count (its progress query) when known.
type Status struct {
	Broadcast store.Broadcast
	Progress  store.BroadcastProgress
	Live      *workflows.BroadcastProgress
	// AB is the A/B test's state, nil without a test.
	AB *ABStatus
	// Approval is a draft's newest request to schedule it (pending,
	// rejected, failed or approved), nil for none or past the draft.
	Approval *store.ApprovalRequest
}

// Get reads a broadcast with its progress, a draft's newest approval
// request, and the running workflow's own count when it answers within
// two seconds. A broadcast the workspace lacks is a store.Refusal
// (ErrNotFound).
func (s *Scheduler) Get(ctx context.Context, workspaceID, id string) (Status, error) {
	b, err := s.broadcast(ctx, workspaceID, id)
	if err != nil {
		return Status{}, err
	}
	st, err := s.withProgress(ctx, b)
	if err == nil && b.Status == store.BroadcastDraft {
		st.Approval, err = s.approval(ctx, b)
	}
	if err != nil || b.Status == store.BroadcastDraft || b.FinishedAt != nil {
		return st, err
	}
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if v, err := s.Temporal.QueryWorkflow(qctx, workflows.BroadcastWorkflowID(b.WorkspaceID, b.ID), "", workflows.BroadcastProgressQuery); err == nil {
		var live workflows.BroadcastProgress
		if v.Get(&live) == nil {
			st.Live = &live
		}
	}
	return st, nil
}

// List pages the workspace's broadcasts, oldest first, each with its
// progress, and returns the cursor of the next page.
func (s *Scheduler) List(ctx context.Context, workspaceID string, limit int, after string) ([]Status, string, error) {
	list, next, err := s.Store.ListBroadcasts(ctx, workspaceID, limit, after)
	if err != nil {
		return nil, "", err
	}
	out := make([]Status, 0, len(list))
	for _, b := range list {
		st, err := s.withProgress(ctx, b)
		if err != nil {
			return nil, "", err
		}
		out = append(out, st)
	}
	return out, next, nil
}

// Control signals pause, resume or cancel (workflows.BroadcastPause, …) to
// the broadcast's workflow: a pause takes effect between batches. A draft
// has no workflow: it can only be cancelled, which the store records at
// once (signalled false). An ended broadcast, and a draft asked anything
// else, are store.Refusals (ErrConflict).
func (s *Scheduler) Control(ctx context.Context, workspaceID, id, action string) (b store.Broadcast, signalled bool, err error) {
	if b, err = s.broadcast(ctx, workspaceID, id); err != nil {
		return b, false, err
	}
	switch {
	case b.FinishedAt != nil:
		return b, false, store.Refuse(store.ErrConflict, "broadcast "+b.ID+" has ended ("+b.Status+")")
	case b.Status == store.BroadcastDraft && action == workflows.BroadcastCancel:
		if err := s.Store.SetBroadcastStatus(ctx, b.WorkspaceID, b.ID, store.BroadcastCancelled, 0, ""); err != nil {
			return b, false, err
		}
		b.Status = store.BroadcastCancelled
		return b, false, nil
	case b.Status == store.BroadcastDraft:
		return b, false, store.Refuse(store.ErrConflict, "broadcast "+b.ID+" is a draft: schedule it first (POST /v1/broadcasts/"+b.ID+"/schedule)")
	}
	wid := workflows.BroadcastWorkflowID(b.WorkspaceID, b.ID)
	if err := s.Temporal.SignalWorkflow(ctx, wid, "", workflows.BroadcastControlSignal, workflows.BroadcastControl{Action: action}); err != nil {
		return b, false, err
	}
	return b, true, nil
}

// broadcast reads a broadcast, a store.Refusal (ErrNotFound) when the
// workspace has none of that id.
func (s *Scheduler) broadcast(ctx context.Context, workspaceID, id string) (store.Broadcast, error) {
	b, err := s.Store.GetBroadcast(ctx, workspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, store.Refuse(store.ErrNotFound, "no broadcast "+id)
	}
	return b, err
}

// approval is the newest request to schedule the broadcast, nil for none.
func (s *Scheduler) approval(ctx context.Context, b store.Broadcast) (*store.ApprovalRequest, error) {
	a, err := s.Store.LatestApproval(ctx, b.WorkspaceID, store.ApprovalBroadcastSchedule, b.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// withProgress is the broadcast with its progress.
func (s *Scheduler) withProgress(ctx context.Context, b store.Broadcast) (Status, error) {
	p, err := s.Store.BroadcastProgress(ctx, b.WorkspaceID, b.ID)
	st := Status{Broadcast: b, Progress: p}
	if err != nil || len(b.ABTest) == 0 {
		return st, err
	}
	st.AB, err = s.abStatus(ctx, b)
	return st, err
}
