package approvals

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func person(id, role string) Actor {
	return Actor{AuditActor: store.AuditActor{Kind: store.ActorPerson, ID: id, Name: id + "@example.jp"}, Role: role}
}

// TestWhoMayDecide: the workspace's approver role (or an owner) decides;
// nobody approves their own request, though its requester may withdraw it.
func TestWhoMayDecide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "w"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetApprovalPolicy(ctx, "w", store.ApprovalPolicy{Required: true, ApproverRole: "marketer"}); err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: st}
	ask := func(target string, by Actor) store.ApprovalRequest {
		t.Helper()
		a, err := st.RequestApproval(ctx, store.ApprovalRequest{WorkspaceID: "w", Kind: store.ApprovalJourneyActivate, TargetID: target, RequestedBy: by.AuditActor})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	forbidden := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrForbidden) {
			t.Errorf("%s: %v, want a refusal of kind ErrForbidden", what, err)
		}
	}
	a := ask("j1", person("mari", "marketer"))
	_, err := s.Approve(ctx, "w", a.ID, person("mari", "marketer"), "")
	forbidden("approving one's own request", err)
	_, err = s.Approve(ctx, "w", a.ID, person("aki", "analyst"), "")
	forbidden("an analyst approving", err)
	_, err = s.Reject(ctx, "w", a.ID, person("aki", "analyst"), "no")
	forbidden("an analyst rejecting", err)
	if _, err := s.Approve(ctx, "w", "apr_none", person("ken", "owner"), ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("approving a request the workspace lacks: %v", err)
	}
	if r, err := s.Reject(ctx, "w", a.ID, person("mika", "marketer"), "件名を直して"); err != nil || r.State != store.ApprovalRejected {
		t.Errorf("a marketer (the approver role) rejecting: %+v %v", r, err)
	}
	b := ask("j2", person("aki", "analyst"))
	if r, err := s.Reject(ctx, "w", b.ID, person("aki", "analyst"), "withdrawn"); err != nil || r.DecidedBy.ID != "aki" {
		t.Errorf("the requester withdrawing: %+v %v", r, err)
	}
	c := ask("j3", person("aki", "analyst"))
	if r, err := s.Reject(ctx, "w", c.ID, person("ken", "owner"), "not now"); err != nil || r.State != store.ApprovalRejected {
		t.Errorf("an owner rejecting: %+v %v", r, err)
	}
}

// TestTheAnalystIsNoApproverRole: the analyst reads and never decides, so
// naming it the approver role is a field error at the given field; every
// role of Roles passes.
func TestTheAnalystIsNoApproverRole(t *testing.T) {
	t.Parallel()
	for _, role := range []string{"analyst", "", "admin", "Owner"} {
		var errs jsonfields.Errors
		if err := CheckApproverRole(role, "approverRole"); !errors.As(err, &errs) || len(errs) != 1 || errs[0].Field != "approverRole" {
			t.Errorf("CheckApproverRole(%q) = %v, want one error at approverRole", role, err)
		}
	}
	for _, role := range Roles {
		if role == "analyst" {
			t.Error("Roles names the analyst")
		}
		if err := CheckApproverRole(role, "approverRole"); err != nil {
			t.Errorf("CheckApproverRole(%q) = %v", role, err)
		}
	}
}
