package people_test

import (
	"os"
	"testing"

	"github.com/tabiji/tabiji/pgtest"
)

// TestMain starts the package's private Postgres cluster (pgtest).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
