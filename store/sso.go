package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WorkspaceSSO is a workspace's OpenID Connect provider: the issuer, the
// client registered there (its secret sealed), the email domains whose
// people may sign in, and how a claim of the ID token maps to a role.
type WorkspaceSSO struct {
	WorkspaceID       string
	Issuer            string
	ClientID          string
	SecretSealed      []byte
	SecretFingerprint string
	AllowedDomains    []string
	RoleClaim         string
	Roles             map[string]string // claim value -> role
	DefaultRole       string            // "" refuses a login no claim value maps
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

const ssoColumns = `workspace_id, issuer, client_id, client_secret_sealed, client_secret_fingerprint, allowed_domains,
	role_claim, roles, COALESCE(default_role, ''), created_at, updated_at`

func scanSSO(row pgx.Row) (WorkspaceSSO, error) {
	var w WorkspaceSSO
	var roles []byte
	err := row.Scan(&w.WorkspaceID, &w.Issuer, &w.ClientID, &w.SecretSealed, &w.SecretFingerprint, &w.AllowedDomains,
		&w.RoleClaim, &roles, &w.DefaultRole, &w.CreatedAt, &w.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, ErrNotFound
	}
	if err == nil {
		err = json.Unmarshal(roles, &w.Roles)
	}
	return w, err
}

// WorkspaceSSO returns the workspace's provider, or ErrNotFound.
func (s *Store) WorkspaceSSO(ctx context.Context, workspaceID string) (WorkspaceSSO, error) {
	w, err := scanSSO(s.pool.QueryRow(ctx, `SELECT `+ssoColumns+` FROM workspace_sso WHERE workspace_id = $1`, workspaceID))
	if err != nil {
		return WorkspaceSSO{}, fmt.Errorf("store: unable to read the single sign-on of workspace %q: %w", workspaceID, err)
	}
	return w, nil
}

// PutWorkspaceSSO sets the workspace's provider. A nil SecretSealed keeps
// the stored secret (ErrNotFound when there is none). created says
// whether the workspace had none before.
func (s *Store) PutWorkspaceSSO(ctx context.Context, w WorkspaceSSO) (saved WorkspaceSSO, created bool, err error) {
	roles, err := json.Marshal(w.Roles)
	if err == nil && w.Roles == nil {
		roles = []byte(`{}`)
	}
	if err != nil {
		return WorkspaceSSO{}, false, fmt.Errorf("store: unable to encode the role mapping: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workspace_sso WHERE workspace_id = $1 FOR UPDATE)`, w.WorkspaceID).Scan(&exists); err != nil {
			return err
		}
		created = !exists
		if created && w.SecretSealed == nil {
			return ErrNotFound
		}
		saved, err = scanSSO(tx.QueryRow(ctx, `
			INSERT INTO workspace_sso (workspace_id, issuer, client_id, client_secret_sealed, client_secret_fingerprint,
				allowed_domains, role_claim, roles, default_role)
			VALUES ($1, $2, $3, COALESCE($4, ''::bytea), $5, $6, $7, $8, NULLIF($9, ''))
			ON CONFLICT (workspace_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
				client_secret_sealed = COALESCE($4, workspace_sso.client_secret_sealed),
				client_secret_fingerprint = CASE WHEN $4::bytea IS NULL THEN workspace_sso.client_secret_fingerprint ELSE EXCLUDED.client_secret_fingerprint END,
				allowed_domains = EXCLUDED.allowed_domains, role_claim = EXCLUDED.role_claim, roles = EXCLUDED.roles,
				default_role = EXCLUDED.default_role, updated_at = now()
			RETURNING `+ssoColumns, w.WorkspaceID, w.Issuer, w.ClientID, w.SecretSealed, w.SecretFingerprint,
			w.AllowedDomains, w.RoleClaim, roles, w.DefaultRole))
		return err
	})
	if pgCode(err) == foreignKeyViolation {
		err = ErrNotFound
	}
	if err != nil {
		return WorkspaceSSO{}, false, fmt.Errorf("store: unable to set the single sign-on of workspace %q: %w", w.WorkspaceID, err)
	}
	return saved, created, nil
}

// DeleteWorkspaceSSO removes the workspace's provider (ErrNotFound when it
// has none). Sessions it opened stay until they expire or log out.
func (s *Store) DeleteWorkspaceSSO(ctx context.Context, workspaceID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM workspace_sso WHERE workspace_id = $1`, workspaceID)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: unable to remove the single sign-on of workspace %q: %w", workspaceID, err)
	}
	return nil
}

// SSOWorkspaceIDs lists the workspaces that have a provider, by id, at
// most limit of them (the login page's buttons).
func (s *Store) SSOWorkspaceIDs(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT workspace_id FROM workspace_sso ORDER BY workspace_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the workspaces with single sign-on: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the workspaces with single sign-on: %w", err)
	}
	return ids, nil
}

// OpenSSOSession starts a console session of a person in the workspace
// whose provider signed them in, and returns its token as OpenSession
// does. The session is bound to that workspace (SwitchSession refuses to
// move it), and the person's last workspace is left as it was, so a
// provider cannot steer their next password login. ErrNotFound: the
// person is not a member.
func (s *Store) OpenSSOSession(ctx context.Context, personID, workspaceID string, ttl time.Duration) (string, error) {
	token := randomString(43, base62)
	tag, err := s.pool.Exec(ctx, `
		WITH swept AS (DELETE FROM ui_sessions WHERE expires_at < now())
		INSERT INTO ui_sessions (token_hash, person_id, workspace_id, sso_workspace_id, expires_at)
		SELECT $1, $2, $3, $3, now() + $4::interval
		FROM memberships WHERE person_id = $2 AND workspace_id = $3`,
		hashSecret(token), personID, workspaceID, fmt.Sprintf("%d seconds", int(ttl.Seconds())))
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: unable to open a single sign-on session for person %s in workspace %s: %w", personID, workspaceID, err)
	}
	return token, nil
}
