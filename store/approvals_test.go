package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestApprovalRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setup(t).store
	_, key, err := s.CreateKey(ctx, wsA, store.RoleAdmin, "requester")
	mustNot(t, err)
	p, err := s.ApprovalPolicy(ctx, wsA)
	if err != nil || p.Required || p.ApproverRole != "owner" {
		t.Errorf("default policy = %+v %v, want not required, owner", p, err)
	}
	_, err = s.SetApprovalPolicy(ctx, wsA, store.ApprovalPolicy{Required: true, ApproverRole: "marketer"})
	mustNot(t, err)
	if p, _ := s.ApprovalPolicy(ctx, wsA); !p.Required || p.ApproverRole != "marketer" {
		t.Errorf("policy = %+v", p)
	}
	if p, _ := s.ApprovalPolicy(ctx, wsB); p.Required {
		t.Error("another workspace's policy changed")
	}
	ask := store.ApprovalRequest{WorkspaceID: wsA, Kind: store.ApprovalJourneyActivate, TargetID: "j1",
		RequestedBy: store.AuditActor{Kind: store.ActorKey, ID: key.ID}}
	first, err := s.RequestApproval(ctx, ask)
	mustNot(t, err)
	again, err := s.RequestApproval(ctx, ask)
	mustNot(t, err)
	if first.ID != again.ID || first.State != store.ApprovalPending || first.RequestedBy.Name != "requester" {
		t.Errorf("requests %+v and %+v: want one pending request named by its key", first, again)
	}

	// Two approvers at once: one decides, the other gets ErrConflict.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.DecideApproval(ctx, wsA, first.ID, store.ApprovalApproved, store.AuditActor{Kind: store.ActorPerson, ID: "p1", Name: "hana@example.jp"}, "OK")
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !(errors.Is(errs[0], store.ErrConflict) || errors.Is(errs[1], store.ErrConflict)) {
		t.Errorf("two approvals at once: %v, %v; want one success and one conflict", errs[0], errs[1])
	}
	if _, err := s.DecideApproval(ctx, wsB, first.ID, store.ApprovalRejected, store.AuditActor{Kind: store.ActorKey, ID: "k"}, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another workspace deciding: %v, want ErrNotFound", err)
	}
	decided, err := s.ApprovalRequestByID(ctx, wsA, first.ID)
	if err != nil || decided.State != store.ApprovalApproved || decided.DecidedBy.Name != "hana@example.jp" || decided.Comment != "OK" || decided.DecidedAt == nil {
		t.Errorf("decided = %+v %v", decided, err)
	}
	next, err := s.RequestApproval(ctx, ask)
	if err != nil || next.ID == first.ID {
		t.Errorf("a new request after the decision = %+v %v, want a new one", next, err)
	}
	mustNot(t, s.FailApproval(ctx, wsA, first.ID, "segment gone"))
	list, _, err := s.ApprovalRequests(ctx, wsA, store.ApprovalPending, 0, "")
	if err != nil || len(list) != 1 || list[0].ID != next.ID {
		t.Errorf("pending = %+v %v", list, err)
	}
	if all, _, _ := s.ApprovalRequests(ctx, wsA, "", 0, ""); len(all) != 2 || all[1].State != store.ApprovalFailed || all[1].Error != "segment gone" {
		t.Errorf("all = %+v", all)
	}
	if latest, err := s.LatestApproval(ctx, wsA, store.ApprovalJourneyActivate, "j1"); err != nil || latest.ID != next.ID {
		t.Errorf("latest request of j1 = %+v %v, want %s", latest, err, next.ID)
	}
	for _, c := range []struct{ ws, kind, target string }{{wsB, store.ApprovalJourneyActivate, "j1"},
		{wsA, store.ApprovalBroadcastSchedule, "j1"}, {wsA, store.ApprovalJourneyActivate, "j2"}} {
		if _, err := s.LatestApproval(ctx, c.ws, c.kind, c.target); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("latest request of %s %s in %s: %v, want ErrNotFound", c.kind, c.target, c.ws, err)
		}
	}
}
