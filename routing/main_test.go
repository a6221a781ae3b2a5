package routing

import (
	"os"
	"testing"

	"github.com/tabiji/tabiji/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
