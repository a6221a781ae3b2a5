package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestPersonTokens(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	for _, ws := range []string{"w", "v"} {
		if err := st.EnsureWorkspace(ctx, ws, "Workspace "+ws); err != nil {
			t.Fatal(err)
		}
	}
	invite := func(t *testing.T, email string, ttl time.Duration) (store.PersonToken, string) {
		t.Helper()
		row, token, err := st.CreatePersonToken(ctx, store.PersonToken{Kind: store.TokenInvitation, Email: email, WorkspaceID: "w",
			Role: "marketer", Locale: "ja", CreatedBy: "owner@example.com"}, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return row, token
	}
	t.Run("AnInvitationIsFoundByItsTokenOnlyAndListedWhilePending", func(t *testing.T) {
		row, token := invite(t, "mia@example.com", time.Hour)
		if len(token) != 43 || row.State != store.TokenPending || row.WorkspaceName != "Workspace w" || row.Role != "marketer" || row.Locale != "ja" {
			t.Fatalf("row %+v token %q", row, token)
		}
		got, err := st.PersonTokenByToken(ctx, store.TokenInvitation, token)
		if err != nil || got.ID != row.ID || got.Email != "mia@example.com" {
			t.Fatalf("by token = %+v, %v", got, err)
		}
		if _, err := st.PersonTokenByToken(ctx, store.TokenReset, token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an invitation's token found as a reset: %v", err)
		}
		if _, err := st.PersonTokenByToken(ctx, store.TokenInvitation, token[:42]+"x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a changed token found: %v", err)
		}
		list, err := st.Invitations(ctx, "w")
		if err != nil || len(list) == 0 || list[0].ID != row.ID {
			t.Fatalf("invitations of w = %+v, %v", list, err)
		}
		if other, _ := st.Invitations(ctx, "v"); len(other) != 0 {
			t.Errorf("invitations of v = %+v", other)
		}
	})
	t.Run("AcceptingCreatesThePersonAndMembershipOnce", func(t *testing.T) {
		row, token := invite(t, "ken@example.com", time.Hour)
		p, ws, err := st.AcceptInvitation(ctx, row.ID, store.Person{Name: "Ken", PasswordHash: "$argon2id$stub", Locale: "ja"})
		if err != nil || ws != "w" || p.Email != "ken@example.com" || p.Name != "Ken" || p.PasswordHash != "$argon2id$stub" {
			t.Fatalf("accept = %+v %q %v", p, ws, err)
		}
		members, _ := st.Members(ctx, "w")
		if len(members) != 1 || members[0].PersonID != p.ID || members[0].Role != "marketer" || members[0].Name != "Ken" || members[0].LastLogin != nil {
			t.Fatalf("members = %+v", members)
		}
		if _, _, err := st.AcceptInvitation(ctx, row.ID, store.Person{Name: "Ken", PasswordHash: "x"}); !errors.Is(err, store.ErrSpentToken) {
			t.Errorf("second use: %v", err)
		}
		if got, _ := st.PersonTokenByToken(ctx, store.TokenInvitation, token); got.State != store.TokenUsed {
			t.Errorf("state after use = %q", got.State)
		}
		if _, err := st.OpenSession(ctx, p.ID, "w", time.Hour); err != nil {
			t.Fatal(err)
		}
		if members, _ := st.Members(ctx, "w"); members[0].LastLogin == nil {
			t.Error("a session opened sets no last login")
		}
	})
	t.Run("AnExistingPersonJoinsWithTheirAccount", func(t *testing.T) {
		p, err := st.CreatePerson(ctx, "ann@example.com", "$argon2id$ann", "en")
		if err != nil {
			t.Fatal(err)
		}
		row, _ := invite(t, "ann@example.com", time.Hour)
		if _, _, err := st.AcceptInvitation(ctx, row.ID, store.Person{ID: p.ID, Email: "other@example.com"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another address took the invitation: %v", err)
		}
		got, ws, err := st.AcceptInvitation(ctx, row.ID, p)
		if err != nil || got.ID != p.ID || ws != "w" || got.PasswordHash != "$argon2id$ann" {
			t.Fatalf("accept = %+v %q %v", got, ws, err)
		}
	})
	t.Run("ExpiredAndRevokedInvitationsCannotBeTakenUp", func(t *testing.T) {
		old, oldToken := invite(t, "old@example.com", -time.Second)
		if got, _ := st.PersonTokenByToken(ctx, store.TokenInvitation, oldToken); got.State != store.TokenExpired {
			t.Errorf("state = %q, want expired", got.State)
		}
		if _, _, err := st.AcceptInvitation(ctx, old.ID, store.Person{Name: "Old", PasswordHash: "x"}); !errors.Is(err, store.ErrSpentToken) {
			t.Errorf("expired accepted: %v", err)
		}
		row, token := invite(t, "rev@example.com", time.Hour)
		if err := st.RevokeInvitation(ctx, "v", row.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace revoked it: %v", err)
		}
		if err := st.RevokeInvitation(ctx, "w", row.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeInvitation(ctx, "w", row.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked twice: %v", err)
		}
		if got, _ := st.PersonTokenByToken(ctx, store.TokenInvitation, token); got.State != store.TokenRevoked {
			t.Errorf("state = %q, want revoked", got.State)
		}
		if _, _, err := st.AcceptInvitation(ctx, row.ID, store.Person{Name: "Rev", PasswordHash: "x"}); !errors.Is(err, store.ErrSpentToken) {
			t.Errorf("revoked accepted: %v", err)
		}
		for _, inv := range mustInvitations(t, st, "w") {
			if inv.ID == row.ID || inv.ID == old.ID {
				t.Errorf("a spent invitation is listed: %+v", inv)
			}
		}
	})
	t.Run("AResetSetsThePasswordOnceAndEndsEverySession", func(t *testing.T) {
		p, err := st.CreatePerson(ctx, "rio@example.com", "$argon2id$before", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddMember(ctx, "v", p.ID, "analyst"); err != nil {
			t.Fatal(err)
		}
		session, err := st.OpenSession(ctx, p.ID, "v", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		row, _, err := st.CreatePersonToken(ctx, store.PersonToken{Kind: store.TokenReset, Email: "rio@example.com", CreatedBy: p.ID}, time.Hour)
		if err != nil || row.WorkspaceID != "" {
			t.Fatalf("reset row %+v, %v", row, err)
		}
		got, err := st.ResetPasswordWith(ctx, row.ID, "$argon2id$after")
		if err != nil || got.ID != p.ID || got.PasswordHash != "$argon2id$after" {
			t.Fatalf("reset = %+v, %v", got, err)
		}
		if _, err := st.SessionByToken(ctx, session); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the session before the reset lives on: %v", err)
		}
		if _, err := st.ResetPasswordWith(ctx, row.ID, "$argon2id$again"); !errors.Is(err, store.ErrSpentToken) {
			t.Errorf("reset twice: %v", err)
		}
	})
}

func mustInvitations(t *testing.T, st *store.Store, ws string) []store.PersonToken {
	t.Helper()
	list, err := st.Invitations(context.Background(), ws)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
