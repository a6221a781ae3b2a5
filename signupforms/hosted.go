package signupforms

import (
	"context"
	"fmt"
	"time"

	"github.com/tabiji/tabiji/store"
)

// Hosted is a form as its page needs it: the form, the workspace's
// language (the page's default) and the origins whose pages may embed it.
type Hosted struct {
	Form    store.SignupForm
	Locale  string
	Origins []string
}

// Load reads the form published under publicID with what its page needs;
// store.ErrNotFound when there is none.
func (s Service) Load(ctx context.Context, publicID string) (Hosted, error) {
	f, err := s.Store.SignupFormByPublicID(ctx, publicID)
	if err != nil {
		return Hosted{}, fmt.Errorf("signupforms: unable to load form %q: %w", publicID, err)
	}
	set, err := s.Store.WorkspaceSettings(ctx, f.WorkspaceID)
	if err != nil {
		return Hosted{}, fmt.Errorf("signupforms: unable to load form %q: %w", publicID, err)
	}
	origins, err := s.Store.AllowedOrigins(ctx, f.WorkspaceID)
	if err != nil {
		return Hosted{}, fmt.Errorf("signupforms: unable to load form %q: %w", publicID, err)
	}
	return Hosted{Form: f, Locale: set.Locale, Origins: origins}, nil
}

// SubmitTo loads the form published under publicID and submits in to it;
// a trapped submission only loads the form.
func (s Service) SubmitTo(ctx context.Context, publicID string, in Submission, now time.Time) (Hosted, Result, error) {
	h, err := s.Load(ctx, publicID)
	if err != nil || in.Trapped {
		return h, Result{}, err
	}
	res, err := s.Submit(ctx, h.Form, in, now)
	return h, res, err
}
