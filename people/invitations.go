package people

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// ErrSpentLink means an invitation or reset link is unknown, expired, used
// or revoked: the person asks for a new one.
var ErrSpentLink = errors.New("people: the link is expired, used or revoked")

// Invite is what an owner asks: who, with which role, in which language
// ("" for the workspace's); By is the person or key inviting, BaseURL the
// API's public address the link starts with.
type Invite struct {
	WorkspaceID, Email, Role, Locale string
	By, BaseURL                      string
}

// Invitation is a made invitation: its row, the link (shown once: only
// its hash is stored), and how the email went.
type Invitation struct {
	store.PersonToken
	Link string
	Sent Delivery
}

// Delivery is how a console email went: through which way ("sendgrid",
// "outbox"), or why it did not ("" way and an error).
type Delivery struct {
	Through string
	Error   string
}

// Invite checks the request, stores an invitation valid for InvitationTTL
// and emails its link through the workspace's email channel. A failed email
// does not undo the invitation: the owner copies the link from the answer.
func (s *Service) Invite(ctx context.Context, in Invite) (Invitation, error) {
	email, role, err := checkInvite(in)
	if err != nil {
		return Invitation{}, err
	}
	if _, err := s.Member(ctx, in.WorkspaceID, email); err == nil {
		return Invitation{}, store.Refuse(store.ErrConflict, "email: "+email+" is already a member of this workspace",
			jsonfields.Error{Field: "email", Message: "is already a member"})
	}
	t, token, err := s.Store.CreatePersonToken(ctx, store.PersonToken{Kind: store.TokenInvitation, Email: email,
		WorkspaceID: in.WorkspaceID, Role: string(role), Locale: in.Locale, CreatedBy: in.By}, InvitationTTL)
	if err != nil {
		return Invitation{}, fmt.Errorf("people: unable to invite %s: %w", email, err)
	}
	inv := Invitation{PersonToken: t, Link: strings.TrimRight(in.BaseURL, "/") + "/ui/invitations/" + token}
	inv.Sent = s.mail(ctx, in.WorkspaceID, Mail{Kind: KindInvitation, To: email, Locale: in.Locale, Link: inv.Link,
		WorkspaceName: t.WorkspaceName, Role: string(role)})
	return inv, nil
}

// checkInvite returns the invitation's normalized address and role, or the
// fields at fault.
func checkInvite(in Invite) (string, Role, error) {
	var fields jsonfields.Errors
	email := NormalizeEmail(in.Email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		fields = append(fields, jsonfields.Error{Field: "email", Message: "must be an email address (name@example.com)"})
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		fields = append(fields, jsonfields.Error{Field: "role", Message: err.Error()})
	}
	if in.Locale != "" && !ValidLocale(in.Locale) {
		fields = append(fields, jsonfields.Error{Field: "locale", Message: "must be ja or en"})
	}
	if len(fields) > 0 {
		return "", "", store.Refuse(store.ErrInvalid, fields[0].Field+": "+fields[0].Message, fields...)
	}
	return email, role, nil
}

// mail sends m through the workspace's email channel and says how it went.
func (s *Service) mail(ctx context.Context, workspaceID string, m Mail) Delivery {
	if s.Mailer == nil {
		return Delivery{Error: "no email channel"}
	}
	through, err := s.Mailer(ctx, workspaceID, m)
	if err != nil {
		return Delivery{Error: err.Error()}
	}
	return Delivery{Through: through}
}

// Invitations lists a workspace's pending invitations.
func (s *Service) Invitations(ctx context.Context, workspaceID string) ([]store.PersonToken, error) {
	return s.Store.Invitations(ctx, workspaceID)
}

// LinkState is what an invitation or reset link's page needs: the row
// (its state says whether it still works) and, for an invitation, whether
// its address already has an account (they log in rather than choose a
// password).
type LinkState struct {
	store.PersonToken
	Existing bool
}

// InvitationLink reads an invitation link's token; ErrSpentLink for an
// unknown one.
func (s *Service) InvitationLink(ctx context.Context, token string) (LinkState, error) {
	t, err := s.Store.PersonTokenByToken(ctx, store.TokenInvitation, token)
	if errors.Is(err, store.ErrNotFound) {
		return LinkState{}, ErrSpentLink
	}
	if err != nil {
		return LinkState{}, fmt.Errorf("people: unable to read the invitation: %w", err)
	}
	_, err = s.Store.PersonByEmail(ctx, t.Email)
	switch {
	case err == nil:
		return LinkState{PersonToken: t, Existing: true}, nil
	case errors.Is(err, store.ErrNotFound):
		return LinkState{PersonToken: t}, nil
	}
	return LinkState{}, fmt.Errorf("people: unable to read the invitation: %w", err)
}

// Accept takes up an invitation and opens a session in its workspace. A
// new person gives their name and a password (checked: field errors on
// "name" and "password"); a person who already has an account gives their
// password instead (ErrBadLogin when wrong). ErrSpentLink: the link no
// longer works.
func (s *Service) Accept(ctx context.Context, token, name, password string) (string, store.Session, error) {
	l, err := s.InvitationLink(ctx, token)
	if err != nil {
		return "", store.Session{}, err
	}
	if l.State != store.TokenPending {
		return "", store.Session{}, ErrSpentLink
	}
	p, err := s.invitee(ctx, l, name, password)
	if err != nil {
		return "", store.Session{}, err
	}
	p, ws, err := s.Store.AcceptInvitation(ctx, l.ID, p)
	if errors.Is(err, store.ErrSpentToken) {
		return "", store.Session{}, ErrSpentLink
	}
	if err != nil {
		return "", store.Session{}, fmt.Errorf("people: unable to accept the invitation: %w", err)
	}
	p.LastWorkspaceID = ws // the session opens in the workspace joined
	return s.openSession(ctx, p)
}

// invitee is the person an invitation makes: the existing account, its
// password checked, or a new one with a name and a hashed password.
func (s *Service) invitee(ctx context.Context, l LinkState, name, password string) (store.Person, error) {
	if l.Existing {
		p, err := s.Store.PersonByEmail(ctx, l.Email)
		if err != nil {
			return store.Person{}, fmt.Errorf("people: unable to read the invitee: %w", err)
		}
		ok, _, err := s.params().Verify(p.PasswordHash, password)
		if p.PasswordHash == "" || err != nil || !ok {
			return store.Person{}, ErrBadLogin
		}
		return p, nil
	}
	name = strings.TrimSpace(name)
	var fields jsonfields.Errors
	if n := len([]rune(name)); n == 0 || n > 100 {
		fields = append(fields, jsonfields.Error{Field: "name", Message: "must have 1 to 100 characters"})
	}
	if msg := CheckPassword(password); msg != "" {
		fields = append(fields, jsonfields.Error{Field: "password", Message: msg})
	}
	if len(fields) > 0 {
		return store.Person{}, store.Refuse(store.ErrInvalid, fields[0].Field+": "+fields[0].Message, fields...)
	}
	hash, err := s.params().Hash(password)
	if err != nil {
		return store.Person{}, err
	}
	return store.Person{Email: l.Email, Name: name, PasswordHash: hash, Locale: l.Locale}, nil
}
