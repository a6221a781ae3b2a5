package people

import (
	"context"
	"errors"
	"fmt"

	"github.com/tabiji/tabiji/store"
)

// SSOLogin is what a sign-in through a workspace's OpenID provider did:
// the session it opened, and the person and membership it made or changed.
type SSOLogin struct {
	Token   string
	Session store.Session
	// Created: the person had no account before.
	Created bool
	// RoleBefore is their role in the workspace before, "" when they were
	// not a member; Role is their role now.
	RoleBefore, Role string
}

// SSOLogin signs in the person with the (verified) address in the
// workspace whose provider vouched for them: it creates them without a
// password when they are new, makes them a member with the role, or gives
// a member the role unless keep (a claim that would take the owner role
// from the workspace's last owner leaves it), and opens a session bound
// to the workspace. A password login of theirs stays as it was.
func (s *Service) SSOLogin(ctx context.Context, workspaceID, email string, role Role, keep bool, locale string) (SSOLogin, error) {
	var out SSOLogin
	email = NormalizeEmail(email)
	p, err := s.Store.PersonByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		p, err = s.Store.CreatePerson(ctx, email, "", locale)
		out.Created = err == nil
	}
	if err != nil {
		return SSOLogin{}, fmt.Errorf("people: unable to sign in %s: %w", email, err)
	}
	if out.RoleBefore, err = s.memberRole(ctx, workspaceID, p.ID); err != nil {
		return SSOLogin{}, err
	}
	out.Role = string(role)
	switch {
	case out.RoleBefore == "":
		err = s.Store.AddMember(ctx, workspaceID, p.ID, string(role))
	case keep:
		out.Role = out.RoleBefore
	case out.RoleBefore != string(role):
		err = s.Store.SetMemberRole(ctx, workspaceID, p.ID, string(role))
		if errors.Is(err, store.ErrLastOwner) {
			out.Role, err = out.RoleBefore, nil
		}
	}
	if err != nil {
		return SSOLogin{}, fmt.Errorf("people: unable to give %s the role %s: %w", email, role, err)
	}
	out.Token, err = s.Store.OpenSSOSession(ctx, p.ID, workspaceID, SessionTTL)
	if err == nil {
		out.Session, err = s.Store.SessionByToken(ctx, out.Token)
	}
	if err != nil {
		return SSOLogin{}, fmt.Errorf("people: unable to open a session for %s: %w", email, err)
	}
	return out, nil
}

// memberRole is the person's role in the workspace, "" when not a member.
func (s *Service) memberRole(ctx context.Context, workspaceID, personID string) (string, error) {
	ms, err := s.Store.Memberships(ctx, personID)
	if err != nil {
		return "", fmt.Errorf("people: unable to read the workspaces of %s: %w", personID, err)
	}
	for _, m := range ms {
		if m.WorkspaceID == workspaceID {
			return m.Role, nil
		}
	}
	return "", nil
}
