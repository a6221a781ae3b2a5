package people_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/store"
)

// TestLinkFormsGiveTheLinkBackWhenRefused covers the console's forms on
// links: a refused form comes back with the link as it stands, so the
// page shows it again in the invitee's language or says why the link no
// longer works, without a second call.
func TestLinkFormsGiveTheLinkBackWhenRefused(t *testing.T) {
	ctx := context.Background()
	s, box := setup(t)

	t.Run("ARefusedInvitationKeepsItsLink", func(t *testing.T) {
		inv, err := s.Invite(ctx, people.Invite{WorkspaceID: "w", Email: "ren@example.com", Role: "analyst", Locale: "en",
			By: "owner@example.com", BaseURL: "https://tabiji.example/"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.AcceptForm(ctx, tokenOf(inv.Link), "Ren", "short")
		var refusal *store.Refusal
		if !errors.As(err, &refusal) || r.Link.Email != "ren@example.com" || r.Link.Locale != "en" || r.Token != "" {
			t.Fatalf("a short password: %+v %v", r, err)
		}
		r, err = s.AcceptForm(ctx, tokenOf(inv.Link), "Ren", "long enough password")
		if err != nil || r.Token == "" || r.Session.Role != "analyst" {
			t.Fatalf("accept = %+v %v", r, err)
		}
		r, err = s.AcceptForm(ctx, tokenOf(inv.Link), "Ren", "long enough password")
		if !errors.Is(err, people.ErrSpentLink) || r.Link.State != "used" {
			t.Errorf("second use = %+v %v, want a spent link in state used", r, err)
		}
		if r, err := s.AcceptForm(ctx, "no-such-token", "Ren", "long enough password"); !errors.Is(err, people.ErrSpentLink) || r.Link.Email != "" {
			t.Errorf("unknown link = %+v %v, want a spent link and no link", r, err)
		}
	})

	t.Run("ASpentResetLinkSaysWhy", func(t *testing.T) {
		if err := s.RequestReset(ctx, "owner@example.com", "http://127.0.0.1:1"); err != nil {
			t.Fatal(err)
		}
		link := tokenOf(box.last().Link)
		r, err := s.ResetForm(ctx, link, "short")
		if err == nil || r.Link.State != "" {
			t.Fatalf("a short password = %+v %v, want a refusal and no state read", r, err)
		}
		if r, err = s.ResetForm(ctx, link, "a brand new password"); err != nil || r.Token == "" {
			t.Fatalf("reset = %+v %v", r, err)
		}
		if r, err = s.ResetForm(ctx, link, "another new password"); !errors.Is(err, people.ErrSpentLink) || r.Link.State != "used" {
			t.Errorf("second use = %+v %v, want a spent link in state used", r, err)
		}
	})

	t.Run("SetLocaleAnswersThePersonAgain", func(t *testing.T) {
		owner, err := s.Store.PersonByEmail(ctx, "owner@example.com")
		if err != nil {
			t.Fatal(err)
		}
		me, err := s.SetLocale(ctx, owner.ID, "en")
		if err != nil || me.Person.Locale != "en" || len(me.Memberships) != 1 {
			t.Errorf("set locale = %+v %v", me, err)
		}
		if _, err := s.SetLocale(ctx, "nobody", "en"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown person: %v, want ErrNotFound", err)
		}
	})
}
