package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Role is what an API key may do.
type Role string

// The roles of an API key.
const (
	RoleWrite Role = "write" // send events only: the key that lives in customers' services
	RoleAdmin Role = "admin" // everything in its workspace
	// RoleClient is the key that ships inside web pages and apps: events
	// only, and traits or addresses only with identity verification.
	RoleClient Role = "client"
)

func (r Role) valid() bool { return r == RoleWrite || r == RoleAdmin || r == RoleClient }

// Key is an API key, without its secret: only the secret's SHA-256 is stored.
type Key struct {
	ID          string
	WorkspaceID string
	Role        Role
	Name        string
	CreatedAt   time.Time
}

const (
	secretRandomLen = 32
	minSecretLen    = 16
)

// EnsureWorkspace creates the workspace unless it exists (an existing one keeps its name).
func (s *Store) EnsureWorkspace(ctx context.Context, id, name string) error {
	if id == "" {
		return errors.New("store: unable to ensure workspace: empty id")
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO workspaces (id, name) VALUES ($1, $2)
		ON CONFLICT (id) DO NOTHING`, id, name)
	if err != nil {
		return fmt.Errorf("store: unable to ensure workspace %q: %w", id, err)
	}
	return nil
}

// CreateKey makes a new key for the workspace and returns its secret, which
// exists only in this return value: "tbj_" + the role's first letter + "_" +
// 32 random base62 characters. It returns ErrNotFound if the workspace does not exist.
func (s *Store) CreateKey(ctx context.Context, workspaceID string, role Role, name string) (secret string, k Key, err error) {
	if !role.valid() {
		return "", Key{}, fmt.Errorf("store: unable to create API key: unknown role %q", role)
	}
	secret = "tbj_" + string(role[0]) + "_" + randomString(secretRandomLen, base62)
	k, err = s.insertKey(ctx, workspaceID, role, name, secret)
	if err != nil {
		return "", Key{}, fmt.Errorf("store: unable to create API key: %w", err)
	}
	return secret, k, nil
}

// EnsureKey stores the given secret as a key of the workspace unless it is
// stored already, for keys that come from the environment or a config file.
// It returns ErrConflict when the secret belongs to another workspace, another
// role, or a revoked key: configuration must not silently undo a revocation.
func (s *Store) EnsureKey(ctx context.Context, workspaceID string, role Role, name, secret string) (Key, error) {
	if !role.valid() {
		return Key{}, fmt.Errorf("store: unable to ensure API key: unknown role %q", role)
	}
	if len(secret) < minSecretLen {
		return Key{}, fmt.Errorf("store: unable to ensure API key: a secret needs at least %d characters", minSecretLen)
	}
	k, revoked, err := s.keyByHash(ctx, secret)
	if errors.Is(err, ErrNotFound) {
		k, err = s.insertKey(ctx, workspaceID, role, name, secret)
		if pgCode(err) == uniqueViolation { // inserted meanwhile by another process
			k, revoked, err = s.keyByHash(ctx, secret)
		}
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: unable to ensure API key: %w", err)
	}
	switch {
	case revoked:
		return Key{}, fmt.Errorf("store: unable to ensure API key: its secret belongs to revoked key %s: %w", k.ID, ErrConflict)
	case k.WorkspaceID != workspaceID || k.Role != role:
		return Key{}, fmt.Errorf("store: unable to ensure API key: its secret belongs to key %s of another workspace or role: %w", k.ID, ErrConflict)
	}
	return k, nil
}

func (s *Store) insertKey(ctx context.Context, workspaceID string, role Role, name, secret string) (Key, error) {
	k := Key{ID: "key_" + randomString(12, base36), WorkspaceID: workspaceID, Role: role, Name: name}
	err := s.pool.QueryRow(ctx, `
		INSERT INTO api_keys (id, workspace_id, role, name, secret_hash)
		VALUES ($1, $2, $3, $4, $5)
		RETURNING created_at`,
		k.ID, workspaceID, role, name, hashSecret(secret),
	).Scan(&k.CreatedAt)
	if pgCode(err) == foreignKeyViolation {
		return Key{}, fmt.Errorf("workspace %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return Key{}, fmt.Errorf("insert: %w", err)
	}
	return k, nil
}

// Authenticate returns the key whose secret this is. It returns ErrNotFound
// when no key has it or the key was revoked.
func (s *Store) Authenticate(ctx context.Context, secret string) (Key, error) {
	k, revoked, err := s.keyByHash(ctx, secret)
	if err == nil && revoked {
		err = ErrNotFound
	}
	if err != nil {
		return Key{}, fmt.Errorf("store: unable to authenticate API key: %w", err)
	}
	return k, nil
}

// RevokeKey revokes a key of the workspace; its secret stops working at once.
// Revoking a revoked key changes nothing. It returns ErrNotFound for an unknown key.
func (s *Store) RevokeKey(ctx context.Context, workspaceID, id string) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return fmt.Errorf("store: unable to revoke API key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: unable to revoke API key %q: %w", id, ErrNotFound)
	}
	return nil
}

// keyByHash finds a key by its secret's hash. It is the only lookup not
// scoped by workspace: the secret is what tells the workspace.
func (s *Store) keyByHash(ctx context.Context, secret string) (k Key, revoked bool, err error) {
	err = s.pool.QueryRow(ctx, `
		SELECT id, workspace_id, role, name, created_at, revoked_at IS NOT NULL
		FROM api_keys
		WHERE secret_hash = $1`, hashSecret(secret),
	).Scan(&k.ID, &k.WorkspaceID, &k.Role, &k.Name, &k.CreatedAt, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return Key{}, false, ErrNotFound
	}
	return k, revoked, err
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
