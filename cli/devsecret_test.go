package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDevSecretIsMadeOnceAndKept: `tabiji dev` signs unsubscribe links with
// the same secret across restarts, so links already sent keep working.
func TestDevSecretIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	first, err := devSecret(dir, "unsubscribe-secret", "")
	if err != nil || len(first) < 32 {
		t.Fatalf("devSecret = %q, %v", first, err)
	}
	again, err := devSecret(dir, "unsubscribe-secret", "")
	if err != nil || again != first {
		t.Errorf("second start = %q, %v; want %q", again, err, first)
	}
	info, err := os.Stat(filepath.Join(dir, "unsubscribe-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("secret file: %v, %v", info, err)
	}
	if given, _ := devSecret(dir, "unsubscribe-secret", "from-env"); given != "from-env" {
		t.Errorf("TABIJI_UNSUBSCRIBE_SECRET ignored: %q", given)
	}
}
