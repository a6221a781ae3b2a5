package people

import (
	"context"
	"errors"
	"fmt"

	"github.com/tabiji/tabiji/store"
)

// FormResult is what the console's form on a link (an invitation, a
// password reset) came to: the session it opened (Token, Session), or,
// when it was refused, the link as it now stands (Link), for the page that
// shows the form again with the refusal.
type FormResult struct {
	Token   string
	Session store.Session
	Link    LinkState
}

// AcceptForm is Accept for the invitation form: when the invitation is
// refused (ErrSpentLink, ErrBadLogin, a Refusal naming a field, …), it
// reads the link again for the page in the invitee's language (a zero
// Link when the link is spent or unknown) and returns Accept's error.
func (s *Service) AcceptForm(ctx context.Context, token, name, password string) (FormResult, error) {
	tok, sess, err := s.Accept(ctx, token, name, password)
	if err == nil {
		return FormResult{Token: tok, Session: sess}, nil
	}
	l, lerr := s.InvitationLink(ctx, token)
	if lerr != nil && !errors.Is(lerr, ErrSpentLink) {
		return FormResult{}, fmt.Errorf("people: unable to read the invitation again: %w", lerr)
	}
	return FormResult{Link: l}, err
}

// ResetForm is Reset for the reset form: when the link no longer works
// (ErrSpentLink), it reads the link's state again (used, revoked, expired;
// "" when unknown) into Link, for the page to say which, and returns
// Reset's error.
func (s *Service) ResetForm(ctx context.Context, token, password string) (FormResult, error) {
	tok, sess, err := s.Reset(ctx, token, password)
	if err == nil {
		return FormResult{Token: tok, Session: sess}, nil
	}
	var out FormResult
	if errors.Is(err, ErrSpentLink) {
		out.Link.PersonToken, _ = s.ResetLink(ctx, token) // unknown: no state, which the page says
	}
	return out, err
}
