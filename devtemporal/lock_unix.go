//go:build unix

package devtemporal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on dir/temporal.lock, so two servers never share one
// SQLite file: both would claim the history shard and keep stealing it from each other. The
// kernel drops the lock when the process dies, so a crash leaves nothing to clean up.
func lockDataDir(dir string) (release func(), err error) {
	name := filepath.Join(dir, "temporal.lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600) //nolint:gosec // G304: the data folder its operator names
	if err != nil {
		return nil, fmt.Errorf("devtemporal: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close() // the lock was not taken; nothing was written to the file
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("devtemporal: data dir %s is in use by another Temporal server: "+
				"stop the other tabiji dev or pass a different data dir", dir)
		}
		return nil, fmt.Errorf("devtemporal: lock data dir: %w", err)
	}
	return func() { _ = f.Close() }, nil // closing drops the lock; the file holds nothing
}
