package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	for _, ws := range []string{"w", "v"} {
		if err := st.EnsureWorkspace(ctx, ws, ws); err != nil {
			t.Fatal(err)
		}
	}
	p, err := st.CreatePerson(ctx, "ann@example.com", "$argon2id$stub", "ja")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddMember(ctx, "w", p.ID, "analyst"); err != nil {
		t.Fatal(err)
	}
	t.Run("ATokenFindsItsPersonAndRoleUntilClosed", func(t *testing.T) {
		token, err := st.OpenSession(ctx, p.ID, "w", time.Hour)
		if err != nil || len(token) != 43 {
			t.Fatalf("token %q, %v", token, err)
		}
		ss, err := st.SessionByToken(ctx, token)
		if err != nil || ss.PersonID != p.ID || ss.WorkspaceID != "w" || ss.Role != "analyst" || ss.Email != "ann@example.com" || ss.Locale != "ja" {
			t.Fatalf("session = %+v, %v", ss, err)
		}
		if got, _ := st.PersonByID(ctx, p.ID); got.LastWorkspaceID != "w" {
			t.Errorf("last workspace = %q", got.LastWorkspaceID)
		}
		if err := st.CloseSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("closed session: %v", err)
		}
	})
	t.Run("AnExpiredSessionIsUnknown", func(t *testing.T) {
		token, err := st.OpenSession(ctx, p.ID, "w", -time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session: %v", err)
		}
	})
	t.Run("NoSessionInAWorkspaceThePersonIsNotIn", func(t *testing.T) {
		if _, err := st.OpenSession(ctx, p.ID, "v", time.Hour); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session in another workspace: %v", err)
		}
		token, err := st.OpenSession(ctx, p.ID, "w", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SwitchSession(ctx, token, "v"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("switch to a foreign workspace: %v", err)
		}
		if err := st.AddMember(ctx, "v", p.ID, "marketer"); err != nil {
			t.Fatal(err)
		}
		if err := st.SwitchSession(ctx, token, "v"); err != nil {
			t.Fatal(err)
		}
		if ss, err := st.SessionByToken(ctx, token); err != nil || ss.WorkspaceID != "v" || ss.Role != "marketer" {
			t.Fatalf("switched session = %+v, %v", ss, err)
		}
	})
	t.Run("RemovingTheMemberEndsTheSession", func(t *testing.T) {
		token, err := st.OpenSession(ctx, p.ID, "w", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		o, err := st.CreatePerson(ctx, "own@example.com", "", "en")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddMember(ctx, "w", o.ID, "owner"); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveMember(ctx, "w", p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a removed member's session still works: %v", err)
		}
	})
}

func TestMembers(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "W"); err != nil {
		t.Fatal(err)
	}
	owner, err := st.CreatePerson(ctx, "owner@example.com", "", "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePerson(ctx, "owner@example.com", "", "en"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a taken address: %v", err)
	}
	if err := st.AddMember(ctx, "w", owner.ID, "owner"); err != nil {
		t.Fatal(err)
	}
	t.Run("TheLastOwnerCanNeitherLeaveNorBeDemoted", func(t *testing.T) {
		if err := st.RemoveMember(ctx, "w", owner.ID); !errors.Is(err, store.ErrLastOwner) {
			t.Errorf("remove the last owner: %v", err)
		}
		if err := st.SetMemberRole(ctx, "w", owner.ID, "analyst"); !errors.Is(err, store.ErrLastOwner) {
			t.Errorf("demote the last owner: %v", err)
		}
	})
	t.Run("ASecondOwnerMakesTheFirstRemovable", func(t *testing.T) {
		other, err := st.CreatePerson(ctx, "two@example.com", "", "ja")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddMember(ctx, "w", other.ID, "analyst"); err != nil {
			t.Fatal(err)
		}
		if err := st.SetMemberRole(ctx, "w", other.ID, "owner"); err != nil {
			t.Fatal(err)
		}
		if err := st.SetMemberRole(ctx, "w", owner.ID, "marketer"); err != nil {
			t.Fatal(err)
		}
		ms, err := st.Members(ctx, "w")
		if err != nil || len(ms) != 2 || ms[0].Email != "owner@example.com" || ms[0].Role != "marketer" || ms[1].Role != "owner" {
			t.Fatalf("members = %+v, %v", ms, err)
		}
	})
	t.Run("ANonMemberIsNotFound", func(t *testing.T) {
		if err := st.SetMemberRole(ctx, "w", "psn_nobody", "owner"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("set role of a stranger: %v", err)
		}
		if err := st.RemoveMember(ctx, "w", "psn_nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("remove a stranger: %v", err)
		}
	})
}
