package people

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tabiji/tabiji/store"
)

// Errors of the flows.
var (
	// ErrBadLogin: no such address, no password, or the wrong one (never which).
	ErrBadLogin = errors.New("people: the email address or the password is wrong")
	// ErrNoWorkspace: the person belongs to no workspace (any more).
	ErrNoWorkspace = errors.New("people: the person belongs to no workspace")
)

// SessionTTL is how long a console session lasts.
const SessionTTL = 12 * time.Hour

// Service runs the flows of people over the store.
type Service struct {
	Store *store.Store
	// Params are the costs new hashes are made with; zero: DefaultParams.
	Params Params
	// Mailer sends invitation and reset emails; nil sends none (the links
	// are still returned to the inviter).
	Mailer Mailer

	dummyOnce sync.Once
	dummy     string
}

func (s *Service) params() Params {
	if s.Params == (Params{}) {
		return DefaultParams
	}
	return s.Params
}

// Login checks an address and password and opens a session in the
// person's last workspace (else their first). A hash made with other
// parameters is made again with today's.
func (s *Service) Login(ctx context.Context, email, password string) (string, store.Session, error) {
	p, err := s.Store.PersonByEmail(ctx, NormalizeEmail(email))
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.burnHash(password) // the same time whether or not the address exists
		return "", store.Session{}, ErrBadLogin
	case err != nil:
		return "", store.Session{}, fmt.Errorf("people: unable to log in: %w", err)
	case p.PasswordHash == "":
		s.burnHash(password)
		return "", store.Session{}, ErrBadLogin
	}
	ok, rehash, err := s.params().Verify(p.PasswordHash, password)
	if err != nil {
		return "", store.Session{}, fmt.Errorf("people: unable to log in person %s: %w", p.ID, err)
	}
	if !ok {
		return "", store.Session{}, ErrBadLogin
	}
	if rehash {
		if err := s.setPassword(ctx, p.ID, password); err != nil {
			return "", store.Session{}, err
		}
	}
	return s.openSession(ctx, p)
}

// openSession opens a session of p in their last workspace, else their first.
func (s *Service) openSession(ctx context.Context, p store.Person) (string, store.Session, error) {
	ms, err := s.Store.Memberships(ctx, p.ID)
	if err != nil {
		return "", store.Session{}, fmt.Errorf("people: unable to open a session: %w", err)
	}
	if len(ms) == 0 {
		return "", store.Session{}, ErrNoWorkspace
	}
	ws := ms[0].WorkspaceID
	for _, m := range ms {
		if m.WorkspaceID == p.LastWorkspaceID {
			ws = m.WorkspaceID
		}
	}
	token, err := s.Store.OpenSession(ctx, p.ID, ws, SessionTTL)
	if err != nil {
		return "", store.Session{}, fmt.Errorf("people: unable to open a session: %w", err)
	}
	ss, err := s.Store.SessionByToken(ctx, token)
	if err != nil {
		return "", store.Session{}, fmt.Errorf("people: unable to read the new session: %w", err)
	}
	return token, ss, nil
}

func (s *Service) setPassword(ctx context.Context, personID, password string) error {
	hash, err := s.params().Hash(password)
	if err == nil {
		err = s.Store.SetPassword(ctx, personID, hash)
	}
	if err != nil {
		return fmt.Errorf("people: unable to set the password: %w", err)
	}
	return nil
}

// burnHash spends the time of one verification, so a login for an unknown
// address answers no faster than for a known one.
func (s *Service) burnHash(password string) {
	s.dummyOnce.Do(func() { s.dummy, _ = s.params().Hash("tabiji dummy password") })
	_, _, _ = s.params().Verify(s.dummy, password)
}

// Mail is an email of the console to a person: an invitation or a
// password reset (Kind), with its link, in the person's language ("" for
// the workspace's). The Mailer writes the words.
type Mail struct {
	Kind, To, Locale, Link string
	WorkspaceName, Role    string // an invitation's
}

// Mailer sends a console email through a workspace's email channel (the
// outbox when the workspace has no provider) and says through which
// ("sendgrid", "outbox").
type Mailer func(ctx context.Context, workspaceID string, m Mail) (string, error)

// EnsureOwner makes sure a person with the address is an owner of the
// workspace, creating them with the password when they do not exist (an
// existing person keeps theirs): `tabiji dev`'s first login. It reports
// whether it created them.
func (s *Service) EnsureOwner(ctx context.Context, workspaceID, email, password, locale string) (bool, error) {
	email = NormalizeEmail(email)
	p, err := s.Store.PersonByEmail(ctx, email)
	created := false
	if errors.Is(err, store.ErrNotFound) {
		var hash string
		if hash, err = s.params().Hash(password); err == nil {
			p, err = s.Store.CreatePerson(ctx, email, hash, locale)
			created = true
		}
	}
	if err != nil {
		return false, fmt.Errorf("people: unable to ensure owner %s: %w", email, err)
	}
	ms, err := s.Store.Memberships(ctx, p.ID)
	if err != nil {
		return false, fmt.Errorf("people: unable to ensure owner %s: %w", email, err)
	}
	for _, m := range ms {
		if m.WorkspaceID == workspaceID && m.Role == string(Owner) {
			return created, nil
		}
	}
	if err := s.Store.AddMember(ctx, workspaceID, p.ID, string(Owner)); err != nil {
		return false, fmt.Errorf("people: unable to ensure owner %s: %w", email, err)
	}
	return created, nil
}
