package approvals

import (
	"context"

	"github.com/tabiji/tabiji/store"
)

// Overview is the workspace's approvals at a glance: its rule, every
// pending request, and a page of the decided ones, newest first.
type Overview struct {
	Policy  store.ApprovalPolicy
	Pending []store.ApprovalRequest
	Decided []store.ApprovalRequest
	// Next is the cursor of the next page of decided requests ("" on the last).
	Next string
}

// maxPending is how many pending requests an overview lists.
const maxPending = 200

// Overview reads the workspace's rule, its pending requests and the page
// of its decided requests after the cursor (limit of them at most).
func (s *Service) Overview(ctx context.Context, workspaceID, after string, limit int) (Overview, error) {
	var o Overview
	var err error
	if o.Policy, err = s.Store.ApprovalPolicy(ctx, workspaceID); err != nil {
		return o, err
	}
	if o.Pending, _, err = s.Store.ApprovalRequests(ctx, workspaceID, store.ApprovalPending, maxPending, ""); err != nil {
		return o, err
	}
	all, next, err := s.Store.ApprovalRequests(ctx, workspaceID, "", limit, after)
	if err != nil {
		return o, err
	}
	for _, a := range all {
		if a.State != store.ApprovalPending {
			o.Decided = append(o.Decided, a)
		}
	}
	o.Next = next
	return o, nil
}

// MayDecide says whether by may approve or reject another's request under
// the workspace's rule: a key (an admin key may do what an owner may), an
// owner, or a person of the rule's approver role.
func MayDecide(p store.ApprovalPolicy, by Actor) bool {
	return by.Kind != store.ActorPerson || by.Role == "owner" || by.Role == p.ApproverRole
}
