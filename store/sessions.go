package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/jsonfields"
)

// Session is a live console session: a person acting in one workspace with
// their role there. Locale is the person's language, else the workspace's.
type Session struct {
	PersonID, Email, Locale string
	WorkspaceID, Role       string
	ExpiresAt               time.Time
}

// OpenSession starts a console session of a person in a workspace they
// belong to and returns its token, which exists only in this return value
// (the cookie): 43 random base62 characters, about 256 bits; only its
// SHA-256 is stored. The workspace becomes the person's last, and now
// their last login. Expired
// sessions are swept here. ErrNotFound: the person is not a member.
func (s *Store) OpenSession(ctx context.Context, personID, workspaceID string, ttl time.Duration) (string, error) {
	token := randomString(43, base62)
	tag, err := s.pool.Exec(ctx, `
		WITH swept AS (DELETE FROM ui_sessions WHERE expires_at < now()),
		last AS (UPDATE persons SET last_workspace_id = $3, last_login_at = now() WHERE id = $2)
		INSERT INTO ui_sessions (token_hash, person_id, workspace_id, expires_at)
		SELECT $1, $2, $3, now() + $4::interval
		FROM memberships WHERE person_id = $2 AND workspace_id = $3`,
		hashSecret(token), personID, workspaceID, fmt.Sprintf("%d seconds", int(ttl.Seconds())))
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to open a session for person %s in workspace %s: %w", personID, workspaceID, err)
	}
	return token, nil
}

// SessionByToken returns the live session of a token, with the person's
// role in its workspace now. It returns ErrNotFound when the token is
// unknown or expired, or the person is no longer a member.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	var ss Session
	err := s.pool.QueryRow(ctx, `
		SELECT p.id, p.email, COALESCE(p.locale, w.locale), s.workspace_id, m.role, s.expires_at
		FROM ui_sessions s
		JOIN persons p ON p.id = s.person_id
		JOIN workspaces w ON w.id = s.workspace_id
		JOIN memberships m ON m.person_id = s.person_id AND m.workspace_id = s.workspace_id
		WHERE s.token_hash = $1 AND s.expires_at > now()`, hashSecret(token),
	).Scan(&ss.PersonID, &ss.Email, &ss.Locale, &ss.WorkspaceID, &ss.Role, &ss.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: unable to find the session: %w", err)
	}
	return ss, nil
}

// SwitchSession moves a session to another workspace of its person, which
// becomes their last. ErrNotFound: no such live session, the person is
// not a member of that workspace, or the session was opened by single
// sign-on, which binds it to its workspace (OpenSSOSession).
func (s *Store) SwitchSession(ctx context.Context, token, workspaceID string) error {
	tag, err := s.pool.Exec(ctx, `
		WITH moved AS (
			UPDATE ui_sessions s SET workspace_id = $2
			FROM memberships m
			WHERE s.token_hash = $1 AND s.expires_at > now() AND s.sso_workspace_id IS NULL
				AND m.person_id = s.person_id AND m.workspace_id = $2
			RETURNING s.person_id)
		UPDATE persons SET last_workspace_id = $2 WHERE id IN (SELECT person_id FROM moved)`, hashSecret(token), workspaceID)
	if err == nil && tag.RowsAffected() == 0 {
		err = s.unswitchable(ctx, token)
	}
	if err != nil {
		return fmt.Errorf("store: unable to switch the session to workspace %s: %w", workspaceID, err)
	}
	return nil
}

// CloseSession ends a session (logging out); an unknown token is no error.
func (s *Store) CloseSession(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM ui_sessions WHERE token_hash = $1`, hashSecret(token)); err != nil {
		return fmt.Errorf("store: unable to close the session: %w", err)
	}
	return nil
}

// ClosePersonSessions ends every session of a person (after a password reset).
func (s *Store) ClosePersonSessions(ctx context.Context, personID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM ui_sessions WHERE person_id = $1`, personID); err != nil {
		return fmt.Errorf("store: unable to close the sessions of person %s: %w", personID, err)
	}
	return nil
}

// unswitchable is why a session did not move: a Refusal naming the
// workspace field for a session single sign-on bound to its workspace,
// else ErrNotFound.
func (s *Store) unswitchable(ctx context.Context, token string) error {
	var bound bool
	err := s.pool.QueryRow(ctx, `SELECT sso_workspace_id IS NOT NULL FROM ui_sessions WHERE token_hash = $1`, hashSecret(token)).Scan(&bound)
	if err == nil && bound {
		msg := "a session opened by single sign-on stays in its workspace: log out and log in to the other one"
		return Refuse(ErrInvalid, "workspace: "+msg, jsonfields.Error{Field: "workspace", Message: msg})
	}
	return ErrNotFound
}
