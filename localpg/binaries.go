package localpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrNoPostgres is returned when the machine has no PostgreSQL server binaries.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: " +
	"install them with `apt-get install -y postgresql`, or set DATABASE_URL to an existing database")

// debianRoot is where Debian and Ubuntu install one bin directory per major version.
const debianRoot = "/usr/lib/postgresql"

// FindBinaries returns the directory that holds initdb, pg_ctl and postgres:
// the one of the pg_ctl found on PATH first, then the highest
// /usr/lib/postgresql/<major>/bin. It returns ErrNoPostgres otherwise.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		// Follow symlinks such as /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl:
		// initdb and postgres live beside the real file, not beside the link.
		if resolved, err := filepath.EvalSymlinks(p); err == nil {
			p = resolved
		}
		if dir := filepath.Dir(p); hasServer(dir) {
			return dir, nil
		}
	}
	versions := debianVersions()
	for i := len(versions) - 1; i >= 0; i-- {
		if dir := debianBin(versions[i]); hasServer(dir) {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

// binariesFor returns a directory whose binaries run a cluster of the given
// major version: bin itself when it matches, else the Debian directory for it.
func binariesFor(bin string, major int) (string, error) {
	have, err := majorVersion(bin)
	if err != nil {
		return "", err
	}
	if have == major {
		return bin, nil
	}
	if dir := debianBin(major); hasServer(dir) {
		return dir, nil
	}
	return "", fmt.Errorf("the cluster was made by PostgreSQL %d but the binaries in %s are PostgreSQL %d: "+
		"install PostgreSQL %d, or remove the data directory to start over", major, bin, have, major)
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// majorVersion asks the postgres binary in bin for its major version.
func majorVersion(bin string) (int, error) {
	out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output() //nolint:noctx // prints a line and exits; there is no caller context to pass
	if err != nil {
		return 0, fmt.Errorf("ask %s for its version: %w", filepath.Join(bin, "postgres"), err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("unexpected version output from postgres: %q", strings.TrimSpace(string(out)))
	}
	return strconv.Atoi(string(m[1]))
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

func debianBin(major int) string {
	return filepath.Join(debianRoot, strconv.Itoa(major), "bin")
}

// debianVersions lists the major versions under /usr/lib/postgresql, lowest first.
func debianVersions() []int {
	entries, err := os.ReadDir(debianRoot)
	if err != nil {
		return nil
	}
	var versions []int
	for _, e := range entries {
		if v, err := strconv.Atoi(e.Name()); err == nil {
			versions = append(versions, v)
		}
	}
	sort.Ints(versions)
	return versions
}
