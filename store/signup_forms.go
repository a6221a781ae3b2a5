package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SignupForm is a workspace's sign-up form as stored (signupforms checks
// and fills it).
type SignupForm struct {
	WorkspaceID string            `json:"-"`
	PublicID    string            `json:"id"`
	Topic       string            `json:"topic"`
	Event       string            `json:"event"`
	DoubleOptIn bool              `json:"doubleOptIn"`
	Title       map[string]string `json:"title"`
	Wording     map[string]string `json:"wording"`
	UpdatedAt   time.Time         `json:"updatedAt"`
}

// PutSignupForm creates or replaces the workspace's form; its public id
// is kept once given (publicID is used only for a new form). It returns
// the form as stored.
func (s *Store) PutSignupForm(ctx context.Context, f SignupForm, publicID string) (SignupForm, error) {
	row := s.pool.QueryRow(ctx, `
		INSERT INTO signup_forms (workspace_id, public_id, topic, event, double_opt_in, title, wording)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id) DO UPDATE
		SET topic = excluded.topic, event = excluded.event, double_opt_in = excluded.double_opt_in,
		    title = excluded.title, wording = excluded.wording, updated_at = now()
		RETURNING `+signupFormColumns,
		f.WorkspaceID, publicID, f.Topic, f.Event, f.DoubleOptIn, f.Title, f.Wording)
	out, err := scanSignupForm(row)
	if err != nil {
		return SignupForm{}, fmt.Errorf("store: unable to put the sign-up form: %w", err)
	}
	return out, nil
}

// SignupForm returns the workspace's form, or ErrNotFound.
func (s *Store) SignupForm(ctx context.Context, workspaceID string) (SignupForm, error) {
	return s.signupForm(ctx, `workspace_id = $1`, workspaceID)
}

// SignupFormByPublicID returns the form published under id, or ErrNotFound.
func (s *Store) SignupFormByPublicID(ctx context.Context, id string) (SignupForm, error) {
	return s.signupForm(ctx, `public_id = $1`, id)
}

const signupFormColumns = `workspace_id, public_id, topic, event, double_opt_in, title, wording, updated_at`

func (s *Store) signupForm(ctx context.Context, where, arg string) (SignupForm, error) {
	f, err := scanSignupForm(s.pool.QueryRow(ctx, `SELECT `+signupFormColumns+` FROM signup_forms WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return SignupForm{}, ErrNotFound
	}
	if err != nil {
		return SignupForm{}, fmt.Errorf("store: unable to read the sign-up form: %w", err)
	}
	return f, nil
}

func scanSignupForm(row pgx.Row) (SignupForm, error) {
	var f SignupForm
	err := row.Scan(&f.WorkspaceID, &f.PublicID, &f.Topic, &f.Event, &f.DoubleOptIn, &f.Title, &f.Wording, &f.UpdatedAt)
	return f, err
}
