package localpg

import (
	"os"
	"strings"
	"testing"
)

// Where the server user cannot be given CAP_DAC_READ_SEARCH (a container that
// dropped it), a data directory it cannot reach gets advice, not a cryptic
// initdb failure.
func TestCheckReachAdvisesWithoutTheCapability(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to user postgres")
	}
	u, err := serverUser()
	if err != nil {
		t.Fatal(err)
	}
	u.searchAnywhere = false
	closed := t.TempDir()
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	err = u.checkReach(closed + "/pg")
	if err == nil || !strings.Contains(err.Error(), "chmod o+x "+closed) {
		t.Fatalf("checkReach = %v, want advice to chmod o+x %s", err, closed)
	}
	u.searchAnywhere = true
	if err := u.checkReach(closed + "/pg"); err != nil {
		t.Errorf("with the capability checkReach = %v", err)
	}
}
