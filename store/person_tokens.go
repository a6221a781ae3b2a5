package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrSpentToken is returned when an invitation or reset link is expired,
// used or revoked: its state says which.
var ErrSpentToken = errors.New("store: the link is expired, used or revoked")

// The kinds of person token.
const (
	TokenInvitation = "invitation"
	TokenReset      = "reset"
)

// The states of a person token.
const (
	TokenPending = "pending"
	TokenUsed    = "used"
	TokenRevoked = "revoked"
	TokenExpired = "expired"
)

// PersonToken is the row behind an invitation or password-reset link. The
// link's token itself is never stored, only its SHA-256.
type PersonToken struct {
	ID, Kind, Email string
	// WorkspaceID, WorkspaceName and Role are an invitation's: the workspace
	// joined and the role there; Locale the invitee's language ("" for the
	// workspace's).
	WorkspaceID, WorkspaceName, Role, Locale string
	CreatedBy                                string // the person or key that made it
	CreatedAt, ExpiresAt                     time.Time
	State                                    string // pending, used, revoked, expired
}

//nolint:gosec // G101: column names of a SQL query, no credential
const personTokenColumns = `t.id, t.kind, t.email, COALESCE(t.workspace_id, ''), COALESCE(w.name, ''), COALESCE(t.role, ''),
	COALESCE(t.locale, ''), t.created_by, t.created_at, t.expires_at,
	CASE WHEN t.used_at IS NOT NULL THEN 'used' WHEN t.revoked_at IS NOT NULL THEN 'revoked'
	     WHEN t.expires_at <= now() THEN 'expired' ELSE 'pending' END`

const personTokenFrom = ` FROM person_tokens t LEFT JOIN workspaces w ON w.id = t.workspace_id `

func scanPersonToken(row pgx.Row) (PersonToken, error) {
	var t PersonToken
	err := row.Scan(&t.ID, &t.Kind, &t.Email, &t.WorkspaceID, &t.WorkspaceName, &t.Role, &t.Locale, &t.CreatedBy,
		&t.CreatedAt, &t.ExpiresAt, &t.State)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return t, err
}

// CreatePersonToken stores an invitation or reset (ID and dates are made
// here; email already normalized) valid for ttl, and returns it with its
// link token: 43 random base62 characters, about 256 bits, of which only
// the SHA-256 is stored. ErrNotFound: an invitation to no such workspace.
func (s *Store) CreatePersonToken(ctx context.Context, t PersonToken, ttl time.Duration) (PersonToken, string, error) {
	token := randomString(43, base62)
	id := "inv_" + randomString(16, base36)
	if t.Kind == TokenReset {
		id = "rst_" + randomString(16, base36)
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO person_tokens (id, kind, email, workspace_id, role, locale, created_by, expires_at, token_hash)
		VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), NULLIF($6, ''), $7, now() + $8::interval, $9)`,
		id, t.Kind, t.Email, t.WorkspaceID, t.Role, t.Locale, t.CreatedBy, fmt.Sprintf("%d seconds", int(ttl.Seconds())), hashSecret(token))
	if pgCode(err) == foreignKeyViolation {
		err = ErrNotFound
	}
	if err == nil {
		t, err = scanPersonToken(s.pool.QueryRow(ctx, `SELECT `+personTokenColumns+personTokenFrom+`WHERE t.id = $1`, id))
	}
	if err != nil {
		return PersonToken{}, "", fmt.Errorf("store: unable to create a %s for %q: %w", t.Kind, t.Email, err)
	}
	return t, token, nil
}

// PersonTokenByToken finds the row of a link's token of the kind, in any
// state, or ErrNotFound.
func (s *Store) PersonTokenByToken(ctx context.Context, kind, token string) (PersonToken, error) {
	t, err := scanPersonToken(s.pool.QueryRow(ctx, `SELECT `+personTokenColumns+personTokenFrom+
		`WHERE t.token_hash = $1 AND t.kind = $2`, hashSecret(token), kind))
	if err != nil {
		return PersonToken{}, fmt.Errorf("store: unable to find the %s link: %w", kind, err)
	}
	return t, nil
}

// Invitations lists a workspace's pending invitations, newest first.
func (s *Store) Invitations(ctx context.Context, workspaceID string) ([]PersonToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+personTokenColumns+personTokenFrom+`
		WHERE t.workspace_id = $1 AND t.kind = 'invitation' AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now()
		ORDER BY t.created_at DESC, t.id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the invitations of workspace %q: %w", workspaceID, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PersonToken, error) { return scanPersonToken(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the invitations of workspace %q: %w", workspaceID, err)
	}
	return list, nil
}

// RevokeInvitation revokes a pending invitation of the workspace; its link
// then says so. ErrNotFound: no pending invitation with that id there.
func (s *Store) RevokeInvitation(ctx context.Context, workspaceID, id string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE person_tokens SET revoked_at = now()
		WHERE id = $1 AND workspace_id = $2 AND kind = 'invitation' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
		id, workspaceID)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to revoke invitation %q: %w", id, err)
	}
	return nil
}

// spendToken marks a pending token of the kind used within tx and returns
// it; ErrSpentToken when it is no longer pending (a second use loses the
// race here, under the row's lock).
func spendToken(ctx context.Context, tx pgx.Tx, kind, id string) (PersonToken, error) {
	var t PersonToken
	err := tx.QueryRow(ctx, `UPDATE person_tokens SET used_at = now()
		WHERE id = $1 AND kind = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
		RETURNING email, COALESCE(workspace_id, ''), COALESCE(role, '')`, id, kind).Scan(&t.Email, &t.WorkspaceID, &t.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrSpentToken
	}
	return t, err
}

// AcceptInvitation spends a pending invitation and makes its person a
// member of its workspace with its role (an existing member keeps theirs).
// A new person (p.ID == "") is created from p with the invitation's
// address; an existing one (p.ID set) must have that address. It returns
// the person and the workspace. ErrSpentToken: no longer pending.
func (s *Store) AcceptInvitation(ctx context.Context, id string, p Person) (Person, string, error) {
	var ws string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := spendToken(ctx, tx, TokenInvitation, id)
		if err != nil {
			return err
		}
		ws = t.WorkspaceID
		if p.ID == "" {
			p, err = scanPerson(tx.QueryRow(ctx, `
				INSERT INTO persons (id, email, password_hash, locale, name) VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5)
				RETURNING `+personColumns, "psn_"+randomString(12, base36), t.Email, p.PasswordHash, p.Locale, p.Name))
			if pgCode(err) == uniqueViolation {
				err = ErrConflict
			}
		} else if p.Email != t.Email {
			err = fmt.Errorf("the invitation is for %s, not %s: %w", t.Email, p.Email, ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (workspace_id, person_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (workspace_id, person_id) DO NOTHING`, t.WorkspaceID, p.ID, t.Role)
		return err
	})
	if err != nil {
		return Person{}, "", fmt.Errorf("store: unable to accept invitation %q: %w", id, err)
	}
	return p, ws, nil
}

// ResetPasswordWith spends a pending reset token, gives its person the
// password hash and ends every session of theirs. It returns the person.
// ErrSpentToken: no longer pending; ErrNotFound: the person is gone.
func (s *Store) ResetPasswordWith(ctx context.Context, id, hash string) (Person, error) {
	var p Person
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := spendToken(ctx, tx, TokenReset, id)
		if err != nil {
			return err
		}
		p, err = scanPerson(tx.QueryRow(ctx, `UPDATE persons SET password_hash = $2 WHERE email = $1 RETURNING `+personColumns, t.Email, hash))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM ui_sessions WHERE person_id = $1`, p.ID)
		return err
	})
	if err != nil {
		return Person{}, fmt.Errorf("store: unable to reset a password with link %q: %w", id, err)
	}
	return p, nil
}
