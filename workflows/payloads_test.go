package workflows

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

const storePath = "github.com/tabiji/tabiji/store"

// TestPayloadsAreWorkflowTypes guards what goes into histories: workflow
// inputs and results, activity inputs and results, query answers and signal
// payloads are the workflows' and activities' own types, never store rows,
// so a column change cannot change a history.
func TestPayloadsAreWorkflowTypes(t *testing.T) {
	t.Run("NoPayloadHoldsAStoreType", func(t *testing.T) {
		var roots []reflect.Type
		for _, fn := range []any{Journey, Broadcast, SegmentSweep, DateTriggerSweep} {
			roots = append(roots, signature(reflect.TypeOf(fn), 1)...)
		}
		acts := reflect.TypeOf(&activities.Activities{})
		for i := range acts.NumMethod() {
			roots = append(roots, signature(acts.Method(i).Type, 2)...)
		}
		for _, v := range []any{State{}, BroadcastProgress{}, BroadcastControl{}, Migration{}, journey.Event{}} {
			roots = append(roots, reflect.TypeOf(v))
		}
		seen := map[reflect.Type]bool{}
		for _, r := range roots {
			if path := storeTypeIn(r, r.String(), seen); path != "" {
				t.Errorf("a history payload holds a store type: %s", path)
			}
		}
	})

	t.Run("WorkflowCodeDoesNotImportTheStore", func(t *testing.T) {
		files, err := filepath.Glob("*.go")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == storePath {
					t.Errorf("%s imports the store: statuses and rows it takes from there end up in histories", f)
				}
			}
		}
	})
}

// signature lists a function's parameters from skip on and its results.
func signature(fn reflect.Type, skip int) []reflect.Type {
	var ts []reflect.Type
	for i := skip; i < fn.NumIn(); i++ {
		ts = append(ts, fn.In(i))
	}
	for i := range fn.NumOut() {
		ts = append(ts, fn.Out(i))
	}
	return ts
}

// storeTypeIn returns the path to the first store type t holds, or "".
func storeTypeIn(t reflect.Type, path string, seen map[reflect.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if t.PkgPath() == storePath {
		return path + " (" + t.String() + ")"
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return storeTypeIn(t.Elem(), path+"[]", seen)
	case reflect.Map:
		if p := storeTypeIn(t.Key(), path+"[key]", seen); p != "" {
			return p
		}
		return storeTypeIn(t.Elem(), path+"[value]", seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if p := storeTypeIn(f.Type, path+"."+f.Name, seen); p != "" {
				return p
			}
		}
	}
	return ""
}
