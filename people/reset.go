package people

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// RequestReset emails a password-reset link, valid for ResetTTL, to the
// person with the address, through the email channel of their last
// workspace (else their first). It answers nil whether or not the address
// has an account, so the answer tells nobody which addresses do; only a
// failure of the store is an error.
func (s *Service) RequestReset(ctx context.Context, email, baseURL string) error {
	email = NormalizeEmail(email)
	p, err := s.Store.PersonByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("people: unable to ask for a reset: %w", err)
	}
	ms, err := s.Store.Memberships(ctx, p.ID)
	if err != nil || len(ms) == 0 {
		return err // a person of no workspace has no email channel to be reached through
	}
	ws := ms[0].WorkspaceID
	for _, m := range ms {
		if m.WorkspaceID == p.LastWorkspaceID {
			ws = m.WorkspaceID
		}
	}
	_, token, err := s.Store.CreatePersonToken(ctx, store.PersonToken{Kind: store.TokenReset, Email: email, CreatedBy: p.ID}, ResetTTL)
	if err != nil {
		return fmt.Errorf("people: unable to ask for a reset: %w", err)
	}
	link := strings.TrimRight(baseURL, "/") + "/ui/password-reset/" + token
	sent := s.mail(ctx, ws, Mail{Kind: KindReset, To: email, Locale: p.Locale, Link: link})
	if sent.Error != "" {
		return fmt.Errorf("people: unable to send the reset email: %s", sent.Error)
	}
	return nil
}

// ResetLink reads a reset link's token; ErrSpentLink for an unknown one.
func (s *Service) ResetLink(ctx context.Context, token string) (store.PersonToken, error) {
	t, err := s.Store.PersonTokenByToken(ctx, store.TokenReset, token)
	if errors.Is(err, store.ErrNotFound) {
		return store.PersonToken{}, ErrSpentLink
	}
	if err != nil {
		return store.PersonToken{}, fmt.Errorf("people: unable to read the reset link: %w", err)
	}
	return t, nil
}

// Reset sets a new password with a reset link (checked: a field error on
// "password"), ends every other session of the person and opens a new one.
// ErrSpentLink: the link no longer works.
func (s *Service) Reset(ctx context.Context, token, password string) (string, store.Session, error) {
	t, err := s.ResetLink(ctx, token)
	if err != nil {
		return "", store.Session{}, err
	}
	if t.State != store.TokenPending {
		return "", store.Session{}, ErrSpentLink
	}
	if msg := CheckPassword(password); msg != "" {
		return "", store.Session{}, store.Refuse(store.ErrInvalid, "password: "+msg, jsonfields.Error{Field: "password", Message: msg})
	}
	hash, err := s.params().Hash(password)
	if err != nil {
		return "", store.Session{}, err
	}
	p, err := s.Store.ResetPasswordWith(ctx, t.ID, hash)
	switch {
	case errors.Is(err, store.ErrSpentToken), errors.Is(err, store.ErrNotFound):
		return "", store.Session{}, ErrSpentLink
	case err != nil:
		return "", store.Session{}, fmt.Errorf("people: unable to reset the password: %w", err)
	}
	return s.openSession(ctx, p)
}
