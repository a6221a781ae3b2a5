package people

import (
	"context"
	"fmt"

	"github.com/tabiji/tabiji/store"
)

// Me is a person as they see themselves: their address, language and
// workspaces with their role in each.
type Me struct {
	Person      store.Person
	Memberships []store.Membership
}

// Me reads a person and their workspaces.
func (s *Service) Me(ctx context.Context, personID string) (Me, error) {
	p, err := s.Store.PersonByID(ctx, personID)
	if err != nil {
		return Me{}, fmt.Errorf("people: unable to read person: %w", err)
	}
	ms, err := s.Store.Memberships(ctx, personID)
	if err != nil {
		return Me{}, fmt.Errorf("people: unable to read person: %w", err)
	}
	return Me{Person: p, Memberships: ms}, nil
}

// SetLocale sets a person's console language (ja or en, which the caller
// has checked) and reads them again as Me does.
func (s *Service) SetLocale(ctx context.Context, personID, locale string) (Me, error) {
	if err := s.Store.SetPersonLocale(ctx, personID, locale); err != nil {
		return Me{}, fmt.Errorf("people: unable to set the language: %w", err)
	}
	return s.Me(ctx, personID)
}
