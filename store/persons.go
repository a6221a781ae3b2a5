package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrLastOwner is returned when a change would leave a workspace that has
// people without an owner.
var ErrLastOwner = errors.New("store: the workspace's last owner")

// Person is a console account. PasswordHash is an argon2id PHC string, ""
// before a password is set; Locale is "ja", "en", or "" to follow the
// workspace's language.
type Person struct {
	ID, Email, PasswordHash, Locale string
	// Name is what they call themselves ("" until they say).
	Name string
	// LastWorkspaceID is the workspace the person last chose, "" for none.
	LastWorkspaceID string
	CreatedAt       time.Time
}

// Member is a person as a workspace lists them.
type Member struct {
	PersonID, Email, Name, Role, Locale string
	Since                               time.Time
	LastLogin                           *time.Time // nil: never logged in
}

// Membership is a workspace a person belongs to.
type Membership struct {
	WorkspaceID, WorkspaceName, Role string
}

const personColumns = `id, email, COALESCE(password_hash, ''), COALESCE(locale, ''), COALESCE(last_workspace_id, ''), created_at, name`

func scanPerson(row pgx.Row) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.Email, &p.PasswordHash, &p.Locale, &p.LastWorkspaceID, &p.CreatedAt, &p.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return p, err
}

// CreatePerson stores a new person (email already normalized, hash "" for
// none). It returns ErrConflict when the address is taken.
func (s *Store) CreatePerson(ctx context.Context, email, passwordHash, locale string) (Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `
		INSERT INTO persons (id, email, password_hash, locale) VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''))
		RETURNING `+personColumns, "psn_"+randomString(12, base36), email, passwordHash, locale))
	if pgCode(err) == uniqueViolation {
		err = ErrConflict
	}
	if err != nil {
		return Person{}, fmt.Errorf("store: unable to create person %q: %w", email, err)
	}
	return p, nil
}

// PersonByEmail finds a person by their (normalized) address, or ErrNotFound.
func (s *Store) PersonByEmail(ctx context.Context, email string) (Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM persons WHERE email = $1`, email))
	if err != nil {
		return Person{}, fmt.Errorf("store: unable to find person %q: %w", email, err)
	}
	return p, nil
}

// PersonByID finds a person, or ErrNotFound.
func (s *Store) PersonByID(ctx context.Context, id string) (Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM persons WHERE id = $1`, id))
	if err != nil {
		return Person{}, fmt.Errorf("store: unable to find person %q: %w", id, err)
	}
	return p, nil
}

// SetPassword replaces a person's password hash.
func (s *Store) SetPassword(ctx context.Context, personID, hash string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE persons SET password_hash = $2 WHERE id = $1`, personID, hash)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to set the password of person %q: %w", personID, err)
	}
	return nil
}

// SetPersonLocale sets a person's console language ("ja" or "en"; "" follows the workspace's).
func (s *Store) SetPersonLocale(ctx context.Context, personID, locale string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE persons SET locale = NULLIF($2, '') WHERE id = $1`, personID, locale)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to set the language of person %q: %w", personID, err)
	}
	return nil
}

// AddMember makes the person a member of the workspace with the role, or
// gives an existing member that role. ErrNotFound: no such workspace or person.
func (s *Store) AddMember(ctx context.Context, workspaceID, personID, role string) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO memberships (workspace_id, person_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (workspace_id, person_id) DO UPDATE SET role = EXCLUDED.role`, workspaceID, personID, role)
	if pgCode(err) == foreignKeyViolation {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to add person %q to workspace %q: %w", personID, workspaceID, err)
	}
	return nil
}

// Members lists a workspace's people by address.
func (s *Store) Members(ctx context.Context, workspaceID string) ([]Member, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.email, p.name, m.role, COALESCE(p.locale, ''), m.created_at, p.last_login_at
		FROM memberships m JOIN persons p ON p.id = m.person_id
		WHERE m.workspace_id = $1 ORDER BY p.email`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the members of workspace %q: %w", workspaceID, err)
	}
	members, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		return m, r.Scan(&m.PersonID, &m.Email, &m.Name, &m.Role, &m.Locale, &m.Since, &m.LastLogin)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the members of workspace %q: %w", workspaceID, err)
	}
	return members, nil
}

// Memberships lists the workspaces a person belongs to, by workspace id.
func (s *Store) Memberships(ctx context.Context, personID string) ([]Membership, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
		WHERE m.person_id = $1 ORDER BY w.id`, personID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the workspaces of person %q: %w", personID, err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) {
		var m Membership
		return m, r.Scan(&m.WorkspaceID, &m.WorkspaceName, &m.Role)
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the workspaces of person %q: %w", personID, err)
	}
	return ms, nil
}

// SetMemberRole changes a member's role. It returns ErrNotFound for a
// person who is not a member, ErrLastOwner when it would leave the
// workspace without an owner.
func (s *Store) SetMemberRole(ctx context.Context, workspaceID, personID, role string) error {
	err := s.changeMember(ctx, workspaceID, personID, role != "owner", func(tx pgx.Tx) (int64, error) {
		tag, err := tx.Exec(ctx, `UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND person_id = $2`, workspaceID, personID, role)
		return tag.RowsAffected(), err
	})
	if err != nil {
		return fmt.Errorf("store: unable to set the role of person %q: %w", personID, err)
	}
	return nil
}

// RemoveMember takes a person out of a workspace and ends their sessions
// in it; the person stays (they may belong to other workspaces). It
// returns ErrNotFound for a non-member, ErrLastOwner for the last owner.
func (s *Store) RemoveMember(ctx context.Context, workspaceID, personID string) error {
	err := s.changeMember(ctx, workspaceID, personID, true, func(tx pgx.Tx) (int64, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM memberships WHERE workspace_id = $1 AND person_id = $2`, workspaceID, personID)
		if err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM ui_sessions WHERE workspace_id = $1 AND person_id = $2`, workspaceID, personID)
		}
		return tag.RowsAffected(), err
	})
	if err != nil {
		return fmt.Errorf("store: unable to remove person %q: %w", personID, err)
	}
	return nil
}

// changeMember runs change with the workspace's memberships locked; when
// dropsOwner, it refuses to take away the last owner.
func (s *Store) changeMember(ctx context.Context, workspaceID, personID string, dropsOwner bool, change func(pgx.Tx) (int64, error)) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var role string
		var owners int
		err := tx.QueryRow(ctx, `
			WITH locked AS (SELECT person_id, role FROM memberships WHERE workspace_id = $1 FOR UPDATE)
			SELECT COALESCE((SELECT role FROM locked WHERE person_id = $2), ''),
			       (SELECT count(*) FROM locked WHERE role = 'owner')`, workspaceID, personID).Scan(&role, &owners)
		switch {
		case err != nil:
			return err
		case role == "":
			return ErrNotFound
		case dropsOwner && role == "owner" && owners <= 1:
			return ErrLastOwner
		}
		_, err = change(tx)
		return err
	})
}
