package docs_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTheEdgeDoesNotImportActivities holds what architecture.md says: the API, ingestion and
// routing reach the engine through workflows/ and store/, never through activities/ (the side
// effects of workflows), so an activity's types stay the workflows' own.
func TestTheEdgeDoesNotImportActivities(t *testing.T) {
	const activities = "github.com/tabiji/tabiji/activities"
	for _, dir := range []string{"api", "ingest", "routing"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s/", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == activities {
					t.Errorf("%s/%s imports activities/: go through workflows/ or store/ (docs/architecture.md)", dir, filepath.Base(f))
				}
			}
		}
	}
}
