// Package approvals is approval before going live: when a workspace
// requires it, activating a journey or scheduling a broadcast becomes a
// request that an approver (an owner, or the role the workspace names)
// approves, which performs the change once, or rejects with a comment.
// The API calls it for console sessions and keys alike.
package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tabiji/tabiji/broadcasts"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
)

// Roles a workspace may name as its approver: those whose members may
// decide a request (the analyst reads and never decides, so naming it
// would leave only owners to approve while the rule says otherwise).
var Roles = []string{"owner", "marketer", "developer"}

// CheckApproverRole refuses a role that cannot be a workspace's approver
// role, as a field error at field.
func CheckApproverRole(role, field string) error {
	if !slices.Contains(Roles, role) {
		msg := "must be one of " + strings.Join(Roles, ", ")
		if role == "analyst" {
			msg = "cannot be analyst: an analyst only reads and never decides a request; " + msg
		}
		return jsonfields.Errors{{Field: field, Message: msg}}
	}
	return nil
}

// Service asks for, decides and performs approvals.
type Service struct {
	Store      *store.Store
	Router     *routing.Router
	Broadcasts *broadcasts.Scheduler
}

// Actor is who asks or decides: a person with their role, or a key
// (Role empty: an admin key may do everything an owner may).
type Actor struct {
	store.AuditActor
	Role string
}

// Outcome is what an activation or a scheduling did: the change made, or
// (Request not nil) the request that waits for an approver.
type Outcome struct {
	Journey   store.Journey
	Scheduled broadcasts.Scheduled
	Request   *store.ApprovalRequest
	// Warnings are the taxonomy's warnings about a launched journey.
	Warnings []jsonfields.Error
}

// scheduleParams is a broadcast request's params: what Schedule was asked.
type scheduleParams struct {
	SendAt         string `json:"sendAt,omitempty"`
	AllowOverQuota bool   `json:"allowOverQuota,omitempty"`
}

// ActivateJourney activates the journey, or, when the workspace requires
// approval, requests it (store.ErrNotFound for a journey it lacks).
func (s *Service) ActivateJourney(ctx context.Context, workspaceID, id string, by Actor) (Outcome, error) {
	p, err := s.Store.ApprovalPolicy(ctx, workspaceID)
	if err != nil {
		return Outcome{}, err
	}
	if !p.Required {
		j, err := s.Router.ActivateJourney(ctx, workspaceID, id)
		return Outcome{Journey: j}, err
	}
	j, err := s.Store.GetJourney(ctx, workspaceID, id)
	if err != nil {
		return Outcome{}, err
	}
	return s.request(ctx, store.ApprovalRequest{WorkspaceID: workspaceID, Kind: store.ApprovalJourneyActivate, TargetID: id,
		RequestedBy: by.AuditActor}, Outcome{Journey: j})
}

// ScheduleBroadcast schedules the broadcast, or, when the workspace
// requires approval, requests it.
func (s *Service) ScheduleBroadcast(ctx context.Context, workspaceID, id string, req broadcasts.Request, by Actor) (Outcome, error) {
	p, err := s.Store.ApprovalPolicy(ctx, workspaceID)
	if err != nil {
		return Outcome{}, err
	}
	if !p.Required {
		done, err := s.Broadcasts.Schedule(ctx, workspaceID, id, req)
		return Outcome{Scheduled: done}, err
	}
	b, err := s.Store.GetBroadcast(ctx, workspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Outcome{}, store.Refuse(store.ErrNotFound, "no broadcast "+id)
	}
	if err != nil {
		return Outcome{}, err
	}
	params, err := json.Marshal(scheduleParams{SendAt: req.SendAt, AllowOverQuota: req.AllowOverQuota})
	if err != nil {
		return Outcome{}, fmt.Errorf("approvals: unable to encode the schedule: %w", err)
	}
	return s.request(ctx, store.ApprovalRequest{WorkspaceID: workspaceID, Kind: store.ApprovalBroadcastSchedule, TargetID: id,
		Params: params, RequestedBy: by.AuditActor}, Outcome{Scheduled: broadcasts.Scheduled{Broadcast: b}})
}

func (s *Service) request(ctx context.Context, r store.ApprovalRequest, out Outcome) (Outcome, error) {
	a, err := s.Store.RequestApproval(ctx, r)
	if err != nil {
		return Outcome{}, err
	}
	out.Request = &a
	return out, nil
}

// Approve decides the request approved by by and performs its change.
// Refused (store.Refusal): a request the workspace lacks, one decided
// already, an approver without the workspace's approver role (or owner),
// and approving one's own request. When the change then fails, the request
// is marked failed with the reason and the change's error is returned.
func (s *Service) Approve(ctx context.Context, workspaceID, id string, by Actor, comment string) (store.ApprovalRequest, error) {
	a, err := s.decidable(ctx, workspaceID, id, by)
	if err != nil {
		return a, err
	}
	if a.RequestedBy.Kind == by.Kind && a.RequestedBy.ID == by.ID {
		return a, store.Refuse(store.ErrForbidden, "an approver cannot approve their own request: another approver must")
	}
	if a, err = s.decide(ctx, workspaceID, id, store.ApprovalApproved, by, comment); err != nil {
		return a, err
	}
	if err := s.perform(ctx, a); err != nil {
		if failErr := s.Store.FailApproval(context.WithoutCancel(ctx), workspaceID, id, err.Error()); failErr != nil {
			return a, errors.Join(err, failErr)
		}
		return a, err
	}
	return a, nil
}

// Reject decides the request rejected by by, with comment (the reason the
// requester reads). The requester may reject their own request (withdraw it).
func (s *Service) Reject(ctx context.Context, workspaceID, id string, by Actor, comment string) (store.ApprovalRequest, error) {
	a, err := s.decidable(ctx, workspaceID, id, by)
	if err != nil && !(errors.Is(err, store.ErrForbidden) && a.RequestedBy.ID == by.ID && a.RequestedBy.Kind == by.Kind) {
		return a, err
	}
	return s.decide(ctx, workspaceID, id, store.ApprovalRejected, by, comment)
}

// decidable returns the request when by may decide it.
func (s *Service) decidable(ctx context.Context, workspaceID, id string, by Actor) (store.ApprovalRequest, error) {
	a, err := s.Store.ApprovalRequestByID(ctx, workspaceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return a, store.Refuse(store.ErrNotFound, "no approval request "+id+" in this workspace")
	}
	if err != nil {
		return a, err
	}
	p, err := s.Store.ApprovalPolicy(ctx, workspaceID)
	if err != nil {
		return a, err
	}
	if !MayDecide(p, by) {
		return a, store.Refuse(store.ErrForbidden, "deciding approval requests needs the "+p.ApproverRole+" role (or owner)")
	}
	return a, nil
}

func (s *Service) decide(ctx context.Context, workspaceID, id, state string, by Actor, comment string) (store.ApprovalRequest, error) {
	a, err := s.Store.DecideApproval(ctx, workspaceID, id, state, by.AuditActor, comment)
	if errors.Is(err, store.ErrConflict) {
		return a, store.Refuse(store.ErrConflict, "approval request "+id+" is decided already")
	}
	return a, err
}

// perform makes the approved change.
func (s *Service) perform(ctx context.Context, a store.ApprovalRequest) error {
	switch a.Kind {
	case store.ApprovalJourneyActivate:
		_, err := s.Router.ActivateJourney(ctx, a.WorkspaceID, a.TargetID)
		return err
	case store.ApprovalBroadcastSchedule:
		var p scheduleParams
		if err := json.Unmarshal(a.Params, &p); err != nil {
			return fmt.Errorf("approvals: unable to read request %s: %w", a.ID, err)
		}
		_, err := s.Broadcasts.Schedule(ctx, a.WorkspaceID, a.TargetID, broadcasts.Request{SendAt: p.SendAt, AllowOverQuota: p.AllowOverQuota})
		return err
	}
	return fmt.Errorf("approvals: request %s is of unknown kind %q", a.ID, a.Kind)
}
