package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CreatesKeysWhoseSecretsAuthenticate", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for role, pattern := range map[store.Role]string{
			store.RoleAdmin: `^tbj_a_[0-9A-Za-z]{32}$`,
			store.RoleWrite: `^tbj_w_[0-9A-Za-z]{32}$`,
		} {
			secret, k, err := b.store.CreateKey(ctx, wsA, role, "ci "+string(role))
			mustNot(t, err)
			if !regexp.MustCompile(pattern).MatchString(secret) {
				t.Errorf("%s secret %q does not match %s", role, secret, pattern)
			}
			if !strings.HasPrefix(k.ID, "key_") || k.WorkspaceID != wsA || k.Role != role || k.Name != "ci "+string(role) || k.CreatedAt.IsZero() {
				t.Errorf("created key = %+v", k)
			}
			got, err := b.store.Authenticate(ctx, secret)
			mustNot(t, err)
			if got != k {
				t.Errorf("Authenticate = %+v, want %+v", got, k)
			}
		}
	})

	t.Run("KeepsOnlyTheSecretsHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, k, err := b.store.CreateKey(ctx, wsA, store.RoleWrite, "")
		mustNot(t, err)
		var hash []byte
		var row string
		mustNot(t, b.db.QueryRow(ctx, `SELECT secret_hash, row_to_json(k)::text FROM api_keys k WHERE id = $1`, k.ID).Scan(&hash, &row))
		if sum := sha256.Sum256([]byte(secret)); string(hash) != string(sum[:]) {
			t.Errorf("secret_hash is not the secret's sha256")
		}
		if strings.Contains(row, secret[7:]) {
			t.Errorf("the row holds the secret in clear: %s", row)
		}
	})

	t.Run("RejectsAnUnknownSecret", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, _, err := b.store.CreateKey(ctx, wsA, store.RoleAdmin, "")
		mustNot(t, err)
		for _, wrong := range []string{"", "tbj_a_", secret[:len(secret)-1], secret + "x", strings.ToUpper(secret)} {
			if _, err := b.store.Authenticate(ctx, wrong); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Authenticate(%q) = %v, want ErrNotFound", wrong, err)
			}
		}
	})

	t.Run("RejectsARevokedKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		secret, k, err := b.store.CreateKey(ctx, wsA, store.RoleAdmin, "")
		mustNot(t, err)
		if err := b.store.RevokeKey(ctx, wsB, k.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeKey from another workspace = %v, want ErrNotFound", err)
		}
		if _, err := b.store.Authenticate(ctx, secret); err != nil {
			t.Fatalf("a key revoked from another workspace stopped working: %v", err)
		}
		mustNot(t, b.store.RevokeKey(ctx, wsA, k.ID))
		if _, err := b.store.Authenticate(ctx, secret); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Authenticate a revoked key = %v, want ErrNotFound", err)
		}
		mustNot(t, b.store.RevokeKey(ctx, wsA, k.ID)) // again: no change, no error
	})

	t.Run("NeedsAnExistingWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if _, _, err := b.store.CreateKey(ctx, "ws_missing", store.RoleAdmin, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateKey = %v, want ErrNotFound", err)
		}
		if _, err := b.store.EnsureKey(ctx, "ws_missing", store.RoleAdmin, "", "tbj_a_0123456789abcdef"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EnsureKey = %v, want ErrNotFound", err)
		}
		if _, _, err := b.store.CreateKey(ctx, wsA, store.Role("owner"), ""); err == nil {
			t.Errorf("CreateKey with an unknown role succeeded")
		}
	})

	t.Run("EnsureKeyStoresAGivenSecretOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		const secret = "tbj_a_dev0000000000000000000000000000"
		first, err := b.store.EnsureKey(ctx, wsA, store.RoleAdmin, "dev admin", secret)
		mustNot(t, err)
		again, err := b.store.EnsureKey(ctx, wsA, store.RoleAdmin, "dev admin", secret)
		mustNot(t, err)
		if again != first {
			t.Errorf("second EnsureKey = %+v, want the first %+v", again, first)
		}
		got, err := b.store.Authenticate(ctx, secret)
		mustNot(t, err)
		if got != first {
			t.Errorf("Authenticate = %+v, want %+v", got, first)
		}
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM api_keys`).Scan(&n))
		if n != 1 {
			t.Errorf("%d keys stored, want 1", n)
		}
	})

	t.Run("EnsureKeyRefusesASecretOfAnotherWorkspaceRoleOrARevokedKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		const secret = "tbj_a_dev1111111111111111111111111111"
		k, err := b.store.EnsureKey(ctx, wsA, store.RoleAdmin, "", secret)
		mustNot(t, err)
		if _, err := b.store.EnsureKey(ctx, wsB, store.RoleAdmin, "", secret); !errors.Is(err, store.ErrConflict) {
			t.Errorf("EnsureKey in another workspace = %v, want ErrConflict", err)
		}
		if _, err := b.store.EnsureKey(ctx, wsA, store.RoleWrite, "", secret); !errors.Is(err, store.ErrConflict) {
			t.Errorf("EnsureKey with another role = %v, want ErrConflict", err)
		}
		mustNot(t, b.store.RevokeKey(ctx, wsA, k.ID))
		if _, err := b.store.EnsureKey(ctx, wsA, store.RoleAdmin, "", secret); !errors.Is(err, store.ErrConflict) {
			t.Errorf("EnsureKey of a revoked key = %v, want ErrConflict", err)
		}
		if _, err := b.store.Authenticate(ctx, secret); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EnsureKey brought a revoked key back: %v", err)
		}
	})

	t.Run("EnsureWorkspaceKeepsAnExistingOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		mustNot(t, b.store.EnsureWorkspace(ctx, wsA, "Renamed"))
		var name string
		mustNot(t, b.db.QueryRow(ctx, `SELECT name FROM workspaces WHERE id = $1`, wsA).Scan(&name))
		if name != "Workspace "+wsA {
			t.Errorf("name = %q, want the first one", name)
		}
	})
}
