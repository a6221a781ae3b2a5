package people

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"

	"github.com/tabiji/tabiji/store"
)

// Added is the outcome of AddMember: the person, and the password made for
// them when they were new ("" when they already had one).
type Added struct {
	Person   store.Person
	Password string
}

// AddMember gives the person with the address the role in the workspace,
// creating them with a generated password when they do not exist yet (an
// existing person keeps theirs). The operator's way to a workspace's first
// owner outside `tabiji dev`, and to more people.
func (s *Service) AddMember(ctx context.Context, workspaceID, email string, role Role, locale string) (Added, error) {
	email = NormalizeEmail(email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return Added{}, fmt.Errorf("people: %q is not an email address (name@example.com)", email)
	}
	p, err := s.Store.PersonByEmail(ctx, email)
	var password string
	if errors.Is(err, store.ErrNotFound) {
		password = rand.Text()
		var hash string
		if hash, err = s.params().Hash(password); err == nil {
			p, err = s.Store.CreatePerson(ctx, email, hash, locale)
		}
	}
	if err == nil {
		err = s.Store.AddMember(ctx, workspaceID, p.ID, string(role))
	}
	if err != nil {
		return Added{}, fmt.Errorf("people: unable to add %s to workspace %s: %w", email, workspaceID, err)
	}
	return Added{Person: p, Password: password}, nil
}

// ResetPassword gives the person with the address a new generated password
// and ends every session of theirs; it returns the password.
func (s *Service) ResetPassword(ctx context.Context, email string) (string, error) {
	p, err := s.Store.PersonByEmail(ctx, NormalizeEmail(email))
	password := rand.Text()
	var hash string
	if err == nil {
		hash, err = s.params().Hash(password)
	}
	if err == nil {
		err = s.Store.SetPassword(ctx, p.ID, hash)
	}
	if err == nil {
		err = s.Store.ClosePersonSessions(ctx, p.ID)
	}
	if err != nil {
		return "", fmt.Errorf("people: unable to reset the password of %s: %w", email, err)
	}
	return password, nil
}

// Member is a workspace's person with the address, or store.ErrNotFound.
func (s *Service) Member(ctx context.Context, workspaceID, email string) (store.Member, error) {
	members, err := s.Store.Members(ctx, workspaceID)
	if err != nil {
		return store.Member{}, err
	}
	email = NormalizeEmail(email)
	for _, m := range members {
		if m.Email == email {
			return m, nil
		}
	}
	return store.Member{}, fmt.Errorf("people: %s is not a member of workspace %s: %w", email, workspaceID, store.ErrNotFound)
}
