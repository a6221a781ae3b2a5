package devtemporal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DatabaseFile is the SQLite file's name inside Options.DataDir.
const DatabaseFile = "temporal.db"

// prepareDatabase returns the SQLite store for dataDir ("" = in memory), creating the file
// with its schema when missing and the namespace when missing. A data dir stays locked until
// unlock is called.
func prepareDatabase(dataDir, namespace string, searchAttributes map[string]enums.IndexedValueType) (cfg *config.SQL, unlock func(), err error) {
	unlock = func() {}
	if dataDir == "" {
		cfg = memoryDatabase()
	} else {
		dir, err := makeDataDir(dataDir)
		if err != nil {
			return nil, nil, err
		}
		if unlock, err = lockDataDir(dir); err != nil {
			return nil, nil, err
		}
		if cfg, err = fileDatabase(dir); err != nil {
			unlock()
			return nil, nil, err
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, searchAttributes)
	if err != nil {
		unlock()
		return nil, nil, fmt.Errorf("devtemporal: search attributes: %w", err)
	}
	// Keep closed runs for a month, not the server's default day, so a marketer can still
	// trace last week's journeys in the Web UI.
	ns.Detail.Config.Retention = durationpb.New(Retention)
	// A no-op when the namespace exists; search attributes added since are registered once
	// the server runs (see ensureSearchAttributes).
	if err := sqliteschema.CreateNamespaces(cfg, ns); err != nil {
		unlock()
		return nil, nil, fmt.Errorf("devtemporal: create namespace %q: %w", namespace, err)
	}
	return cfg, unlock, nil
}

// Retention is how long the namespace keeps closed runs (only set when it is created).
const Retention = 30 * 24 * time.Hour

func memoryDatabase() *config.SQL {
	return &config.SQL{
		PluginName: sqliteplugin.PluginName,
		// The plugin creates the schema itself for memory databases. The name must be unique
		// in the process: shared-cache memory databases of the same name are one database.
		DatabaseName:      "tabiji-" + uuid.NewString(),
		ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"},
	}
}

func makeDataDir(dataDir string) (string, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("devtemporal: data dir %q: %w", dataDir, err)
	}
	// The plugin builds a "file:<path>?<attributes>" URI without escaping the path.
	if strings.ContainsAny(dir, "?#") {
		return "", fmt.Errorf("devtemporal: data dir %q: the path must not contain '?' or '#'", dir)
	}
	// tabiji dev keeps its private Postgres cluster in the same folder; as root that cluster
	// runs as user postgres, which must pass through.
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: see above
		return "", fmt.Errorf("devtemporal: create data dir: %w", err)
	}
	return dir, nil
}

func fileDatabase(dir string) (*config.SQL, error) {
	file := filepath.Join(dir, DatabaseFile)
	cfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: file,
		// WAL with synchronous=normal doubles throughput over the default rollback journal and
		// survives a process crash; a power loss can drop the last transactions. The plugin
		// keeps one connection (MaxConns 0 = 1): WAL with more connections fails with
		// SQLITE_BUSY and is slower.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		},
	}
	_, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := sqliteschema.SetupSchema(cfg); err != nil {
			// Leave no half-made file behind: the next start would take it as complete.
			removeDatabase(file)
			return nil, fmt.Errorf("devtemporal: create schema in %s: %w", file, err)
		}
	case err != nil:
		return nil, fmt.Errorf("devtemporal: database file: %w", err)
	}
	return cfg, nil
}

func removeDatabase(file string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(file + suffix)
	}
}
