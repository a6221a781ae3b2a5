package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// folderTable is the page whose table lists every folder of the repository.
const folderTable = "architecture.md"

// codeSpan finds the paths a table cell names, each written as code.
var codeSpan = regexp.MustCompile("`([^`]+)`")

// TestFolderTableMatchesTheRepository fails when a Go package or a top-level folder is missing from
// the folder table of docs/architecture.md, or when a row names a path that does not exist.
func TestFolderTableMatchesTheRepository(t *testing.T) {
	named := tableFolders(t, filepath.Join(root, "docs", folderTable))
	for p := range named {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(p, "/")))); err != nil {
			t.Errorf("docs/%s names %s, which does not exist", folderTable, p)
		}
	}
	var missing []string
	for _, p := range requiredFolders(t) {
		if !named[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	for _, p := range missing {
		t.Errorf("docs/%s has no row for %s: add one saying what it holds (its package doc comment)", folderTable, p)
	}
}

// tableFolders reads the paths named in the first column of the table whose header starts with
// "| folder |".
func tableFolders(t *testing.T, file string) map[string]bool {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read the folder table: %v", err)
	}
	named := map[string]bool{}
	in := false
	for line := range strings.Lines(string(doc)) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "| folder |"):
			in = true
		case in && !strings.HasPrefix(line, "|"):
			in = false
		case in:
			cells := strings.Split(line, "|")
			for _, m := range codeSpan.FindAllStringSubmatch(cells[1], -1) {
				named[m[1]] = true
			}
		}
	}
	if len(named) == 0 {
		t.Fatalf("docs/%s has no table starting with \"| folder |\"", folderTable)
	}
	return named
}

// requiredFolders lists what the table must name: main.go, every top-level folder that git keeps,
// and every folder holding Go files (a package), each as "name/".
func requiredFolders(t *testing.T) []string {
	t.Helper()
	ignored := ignoredTopLevel(t)
	need := map[string]bool{"main.go": true}
	top, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("list the repository: %v", err)
	}
	for _, e := range top {
		if e.IsDir() && !skipped(e.Name()) && !ignored[e.Name()] {
			need[e.Name()+"/"] = true
		}
	}
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && p != root && (skipped(d.Name()) || ignored[rel]) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".go") && filepath.Dir(rel) != "." {
			need[filepath.ToSlash(filepath.Dir(rel))+"/"] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk the repository: %v", err)
	}
	var out []string
	for p := range need {
		out = append(out, p)
	}
	return out
}

// skipped says whether the go tool ignores a folder of this name.
func skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata"
}

// ignoredTopLevel reads the root-anchored folders of .gitignore (/bin/, /.tabiji/): build output and
// data that a checkout does not hold.
func ignoredTopLevel(t *testing.T) map[string]bool {
	t.Helper()
	ignored := map[string]bool{}
	data, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if os.IsNotExist(err) {
		return ignored
	}
	if err != nil {
		t.Fatalf("read .gitignore: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "/") && strings.HasSuffix(line, "/") && strings.Count(line, "/") == 2 {
			ignored[strings.Trim(line, "/")] = true
		}
	}
	return ignored
}
