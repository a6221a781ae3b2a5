package people_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tabiji/tabiji/people"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// mailbox is a people.Mailer that keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	sent []people.Mail
}

func (m *mailbox) send(_ context.Context, _ string, mail people.Mail) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail)
	return "outbox", nil
}

func (m *mailbox) last() people.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		return people.Mail{}
	}
	return m.sent[len(m.sent)-1]
}

func setup(t *testing.T) (*people.Service, *mailbox) {
	t.Helper()
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "Shop"); err != nil {
		t.Fatal(err)
	}
	box := &mailbox{}
	s := &people.Service{Store: st, Params: people.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	s.Mailer = box.send
	if _, err := s.EnsureOwner(ctx, "w", "owner@example.com", "owner password 1", "ja"); err != nil {
		t.Fatal(err)
	}
	return s, box
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

func TestInvitations(t *testing.T) {
	ctx := context.Background()
	s, box := setup(t)
	t.Run("AnInvitationIsEmailedAndItsLinkLogsTheNewPersonIn", func(t *testing.T) {
		inv, err := s.Invite(ctx, people.Invite{WorkspaceID: "w", Email: " Mika@Example.com ", Role: "marketer", Locale: "ja",
			By: "owner@example.com", BaseURL: "https://tabiji.example/"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(inv.Link, "https://tabiji.example/ui/invitations/") || inv.Email != "mika@example.com" || inv.Sent.Through != "outbox" {
			t.Fatalf("invitation %+v", inv)
		}
		if m := box.last(); m.Link != inv.Link || m.To != "mika@example.com" || m.Kind != people.KindInvitation || m.WorkspaceName != "Shop" || m.Role != "marketer" {
			t.Fatalf("mail %+v", m)
		}
		_, _, err = s.Accept(ctx, tokenOf(inv.Link), "Mika", "short")
		var refusal *store.Refusal
		if !errors.As(err, &refusal) || len(refusal.Fields) != 1 || refusal.Fields[0].Field != "password" {
			t.Fatalf("a short password: %v", err)
		}
		token, ss, err := s.Accept(ctx, tokenOf(inv.Link), "Mika", "long enough password")
		if err != nil || token == "" || ss.WorkspaceID != "w" || ss.Role != "marketer" || ss.Email != "mika@example.com" {
			t.Fatalf("accept = %q %+v %v", token, ss, err)
		}
		if _, _, err := s.Accept(ctx, tokenOf(inv.Link), "Mika", "long enough password"); !errors.Is(err, people.ErrSpentLink) {
			t.Errorf("second use: %v", err)
		}
		if _, _, err := s.Login(ctx, "mika@example.com", "long enough password"); err != nil {
			t.Errorf("login with the password set: %v", err)
		}
	})
	t.Run("BadRequestsNameTheirFields", func(t *testing.T) {
		_, err := s.Invite(ctx, people.Invite{WorkspaceID: "w", Email: "nope", Role: "admin", Locale: "fr"})
		var refusal *store.Refusal
		if !errors.As(err, &refusal) || len(refusal.Fields) != 3 {
			t.Fatalf("bad invite: %v", err)
		}
		_, err = s.Invite(ctx, people.Invite{WorkspaceID: "w", Email: "owner@example.com", Role: "analyst"})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("inviting a member: %v", err)
		}
	})
	t.Run("AnExistingPersonJoinsWithTheirPassword", func(t *testing.T) {
		if err := s.Store.EnsureWorkspace(ctx, "v", "Other shop"); err != nil {
			t.Fatal(err)
		}
		inv, err := s.Invite(ctx, people.Invite{WorkspaceID: "v", Email: "owner@example.com", Role: "analyst"})
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.InvitationLink(ctx, tokenOf(inv.Link))
		if err != nil || !l.Existing || l.State != store.TokenPending {
			t.Fatalf("link %+v %v", l, err)
		}
		if _, _, err := s.Accept(ctx, tokenOf(inv.Link), "", "wrong password!"); !errors.Is(err, people.ErrBadLogin) {
			t.Errorf("wrong password: %v", err)
		}
		_, ss, err := s.Accept(ctx, tokenOf(inv.Link), "", "owner password 1")
		if err != nil || ss.WorkspaceID != "v" || ss.Role != "analyst" {
			t.Fatalf("join = %+v %v", ss, err)
		}
	})
	t.Run("AnUnknownLinkIsSpent", func(t *testing.T) {
		if _, err := s.InvitationLink(ctx, "no-such-token"); !errors.Is(err, people.ErrSpentLink) {
			t.Errorf("unknown: %v", err)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	ctx := context.Background()
	s, box := setup(t)
	t.Run("AnUnknownAddressIsAnsweredTheSameAndSentNothing", func(t *testing.T) {
		if err := s.RequestReset(ctx, "nobody@example.com", "http://127.0.0.1:1"); err != nil {
			t.Fatal(err)
		}
		if m := box.last(); m.Kind != "" {
			t.Errorf("mail sent to an unknown address: %+v", m)
		}
	})
	t.Run("TheLinkSetsANewPasswordOnceAndEndsTheOldSessions", func(t *testing.T) {
		old, _, err := s.Login(ctx, "owner@example.com", "owner password 1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RequestReset(ctx, "OWNER@example.com", "http://127.0.0.1:1"); err != nil {
			t.Fatal(err)
		}
		m := box.last()
		if m.Kind != people.KindReset || m.To != "owner@example.com" || !strings.HasPrefix(m.Link, "http://127.0.0.1:1/ui/password-reset/") || m.Locale != "ja" {
			t.Fatalf("mail %+v", m)
		}
		if _, _, err := s.Reset(ctx, tokenOf(m.Link), "short"); err == nil {
			t.Fatal("a short password was taken")
		}
		session, _, err := s.Reset(ctx, tokenOf(m.Link), "a brand new password")
		if err != nil || session == "" {
			t.Fatalf("reset: %v", err)
		}
		if _, err := s.Store.SessionByToken(ctx, old); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the old session lives on: %v", err)
		}
		if _, err := s.Store.SessionByToken(ctx, session); err != nil {
			t.Errorf("the new session: %v", err)
		}
		if _, _, err := s.Reset(ctx, tokenOf(m.Link), "another new password"); !errors.Is(err, people.ErrSpentLink) {
			t.Errorf("second use: %v", err)
		}
		if _, _, err := s.Login(ctx, "owner@example.com", "a brand new password"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
	})
}
