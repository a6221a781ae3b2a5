package api

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The house rule "a handler binds, validates, makes ONE call into an
// engine/store package and answers" (docs/architecture.md, "How a handler
// looks"), checked on the source: every handler registered in routes.go (the
// last handler of each route; the ones before it are middleware) may name at
// most one engine call, counting its own body and the bodies of the api/
// functions it calls, and of the ones those call, all the way down. An
// engine call is
//   - a method call on an engine field of the server: s.Store, s.Temporal,
//     s.router, s.pipeline, s.broadcasts, s.engagement, s.Channels, s.webhooks,
//     s.signups, s.profiles, s.previews, s.people, the caches of stored
//     settings (engineFields), or on what
//     s.vault() returns; a cache's Invalidate, which drops this process's
//     own copy and calls nothing, does not count;
//   - a call of a package-level function of one of the project's packages
//     that takes a context.Context first (it does I/O: journey.Parse does not
//     count, workflows.EnterJourney does).
// Calls are counted where they are written, not as they run: two calls on two
// branches are two calls.

// engineFields are the server's fields that reach Postgres or Temporal.
var engineFields = map[string]bool{
	"Store": true, "Temporal": true, "router": true, "pipeline": true, "broadcasts": true, "engagement": true,
	"Channels": true, "signups": true, "approvals": true, "Changes": true, "identitySecrets": true, "scoring": true, "taxonomies": true,
	"origins": true, "everyOrigin": true, "webhooks": true,
	"readiness": true, "richMenus": true, "optinConfirm": true, "sso": true, "profiles": true, "previews": true, "people": true,
}

// apiCaches are the engine fields that are this process's caches: their
// Invalidate is no engine call.
var apiCaches = map[string]bool{"identitySecrets": true, "scoring": true, "taxonomies": true, "origins": true, "everyOrigin": true}

// engineGetters are api/ methods that hand out an engine value.
var engineGetters = map[string]bool{"vault": true}

// valueGetters are api/ methods that hand out a value an engine field holds
// and call nothing (s.Channels.Keyring()): the check does not follow them.
var valueGetters = map[string]bool{"keyring": true}

// handlerSource is api/'s source, parsed for the check.
type handlerSource struct {
	fset  *token.FileSet
	funcs map[string]*ast.FuncDecl // api/'s functions and methods by name
	// ctxFuncs holds, per import path of a project package, its
	// package-level functions that take a context.Context first.
	ctxFuncs map[string]map[string]bool
	// imports maps each file's import names to their paths.
	imports map[*ast.File]map[string]string
	files   map[string]*ast.File
}

// parseHandlerSource parses the Go files (not tests) in dir, and the
// project's packages they import from module root.
func parseHandlerSource(t *testing.T, dir, module, root string) *handlerSource {
	t.Helper()
	src := &handlerSource{fset: token.NewFileSet(), funcs: map[string]*ast.FuncDecl{}, ctxFuncs: map[string]map[string]bool{},
		imports: map[*ast.File]map[string]string{}, files: map[string]*ast.File{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(src.fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		src.files[filepath.Base(name)] = f
		src.imports[f] = map[string]string{}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			local := filepath.Base(path)
			if imp.Name != nil {
				local = imp.Name.Name
			}
			src.imports[f][local] = path
			if strings.HasPrefix(path, module+"/") && src.ctxFuncs[path] == nil {
				src.ctxFuncs[path] = contextFuncs(t, filepath.Join(root, strings.TrimPrefix(path, module+"/")))
			}
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				src.funcs[fn.Name.Name] = fn
			}
		}
	}
	return src
}

// contextFuncs names the package-level functions in dir whose first
// parameter is a context.Context.
func contextFuncs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || len(fn.Type.Params.List) == 0 {
				continue
			}
			if sel, ok := fn.Type.Params.List[0].Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Context" {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "context" {
					out[fn.Name.Name] = true
				}
			}
		}
	}
	return out
}

// handlers lists the handlers the routes function (and the functions it
// calls with the engine, as codecRoutes) registers: for each route, its
// last handler, by name ("pauseJourney"; "routes.func1" for a literal).
func (src *handlerSource) handlers(routesFunc string) map[string]ast.Node {
	out := map[string]ast.Node{}
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		fn := src.funcs[name]
		if fn == nil || seen[name] {
			return
		}
		seen[name] = true
		literals := 0
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any":
				if len(call.Args) < 2 {
					return true
				}
				switch h := call.Args[len(call.Args)-1].(type) {
				case *ast.SelectorExpr: // s.getJourney
					out[h.Sel.Name] = src.funcs[h.Sel.Name]
				case *ast.CallExpr: // s.controlBroadcast(workflows.BroadcastPause)
					if name := calleeName(h); name != "" {
						out[name] = src.funcs[name]
					}
				case *ast.FuncLit:
					literals++
					out[fmt.Sprintf("%s.func%d", name, literals)] = h
				case *ast.Ident: // a middleware variable alone (corsIngest): a preflight
				}
			default:
				if name := calleeName(call); strings.HasSuffix(name, "Routes") {
					walk(name)
				}
			}
			return true
		})
	}
	walk(routesFunc)
	return out
}

// calleeName is the name of a call's function when it is one of api/'s
// (s.name(...) or name(...)), else "".
func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && x.Name == "s" {
			return f.Sel.Name
		}
	}
	return ""
}

// engineCalls lists the engine calls a handler names, in its body and in
// the api/ functions it calls, transitively (each once), as
// "s.Store.GetJourney" or "helper: workflows.EnterJourney" (helper being
// the function the call is written in).
func (src *handlerSource) engineCalls(h ast.Node) []string {
	calls := src.directCalls(h)
	followed := map[string]bool{}
	var follow func(n ast.Node)
	follow = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := calleeName(call)
			fn := src.funcs[name]
			if fn == nil || followed[name] || fn.Body == nil || engineGetters[name] || valueGetters[name] {
				return true
			}
			followed[name] = true
			for _, c := range src.directCalls(fn.Body) {
				calls = append(calls, name+": "+c)
			}
			follow(fn.Body)
			return true
		})
	}
	follow(h)
	return calls
}

// directCalls lists the engine calls written in n itself.
func (src *handlerSource) directCalls(n ast.Node) []string {
	file := src.fileOf(n)
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		switch x := sel.X.(type) {
		case *ast.SelectorExpr: // s.Store.GetJourney
			if apiCaches[x.Sel.Name] && sel.Sel.Name == "Invalidate" {
				return true
			}
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "s" && engineFields[x.Sel.Name] {
				out = append(out, "s."+x.Sel.Name+"."+sel.Sel.Name)
			}
		case *ast.CallExpr: // s.vault().Missing
			if engineGetters[calleeName(x)] {
				out = append(out, "s."+calleeName(x)+"()."+sel.Sel.Name)
			}
		case *ast.Ident: // workflows.EnterJourney
			if path, ok := src.imports[file][x.Name]; ok && src.ctxFuncs[path][sel.Sel.Name] {
				out = append(out, x.Name+"."+sel.Sel.Name)
			}
		}
		return true
	})
	return out
}

// fileOf is the parsed file that holds n.
func (src *handlerSource) fileOf(n ast.Node) *ast.File {
	for _, f := range src.files {
		if f.Pos() <= n.Pos() && n.End() <= f.End() {
			return f
		}
	}
	return nil
}

// oneCallViolations lists each handler that names more than one engine
// call, with the calls, sorted.
func oneCallViolations(src *handlerSource) []string {
	var out []string
	for name, h := range src.handlers("routes") {
		if h == nil {
			continue
		}
		if fn, ok := h.(*ast.FuncDecl); ok {
			h = fn.Body
		}
		if calls := src.engineCalls(h); len(calls) > 1 {
			out = append(out, name+": "+strings.Join(calls, ", "))
		}
	}
	sort.Strings(out)
	return out
}

// TestHandlersMakeOneEngineCall holds every handler in routes.go to one
// engine call (the rule above), without exception.
func TestHandlersMakeOneEngineCall(t *testing.T) {
	src := parseHandlerSource(t, ".", "github.com/tabiji/tabiji", "..")
	if n := len(src.handlers("routes")); n < 100 {
		t.Fatalf("found %d handlers in routes.go: the check no longer reads the route table", n)
	}
	for _, v := range oneCallViolations(src) {
		t.Errorf("handler %s: more than one engine call; move the sequence into one engine/store method", v)
	}
}

// TestTheOneCallCheckFails shows the check failing, on a small source of
// its own: a handler with two engine calls, one whose helper makes the
// second, and ones it lets through.
func TestTheOneCallCheckFails(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"routes.go": `package api
func (s *server) routes(r *gin.Engine) {
	r.GET("/one", s.auth(roleAdmin), s.one)
	r.GET("/two", s.two)
	r.GET("/helped", s.helped)
	r.GET("/deep", s.deep)
	r.POST("/entered", longRequest, s.entered)
	r.GET("/literal", func(c *gin.Context) { s.Store.Ping(c); s.router.Invalidate("w") })
	r.GET("/cached", s.cached)
	s.moreRoutes(r)
}
func (s *server) moreRoutes(r *gin.Engine) { r.GET("/more", s.more) }
`,
		"handlers.go": `package api
import "github.com/tabiji/tabiji/workflows"
func (s *server) one(c *gin.Context) { j, err := s.Store.GetJourney(ctx, "w", "j"); if s.answered(c, err) { return }; c.JSON(200, j) }
func (s *server) two(c *gin.Context) { s.Store.GetJourney(ctx, "w", "j"); s.Store.JourneyVersions(ctx, "w", "j") }
func (s *server) helped(c *gin.Context) { s.Store.GetJourney(ctx, "w", "j"); s.check(c) }
func (s *server) check(c *gin.Context) bool { _, err := s.Store.GetSegment(ctx, "w", "s"); return err == nil }
func (s *server) deep(c *gin.Context) { s.Store.GetJourney(ctx, "w", "j"); s.parse(c) }
func (s *server) parse(c *gin.Context) bool { return s.lookup(c) }
func (s *server) lookup(c *gin.Context) bool { return s.check(c) }
func (s *server) entered(c *gin.Context) { workflows.EnterJourney(ctx, s.Temporal, "q", in); s.router.Invalidate("w") }
func (s *server) cached(c *gin.Context) { s.Store.PutScoringRules(ctx, "w"); s.scoring.Invalidate("w"); _ = workflows.RunWorkflowID("w", "j", "c", "") }
func (s *server) more(c *gin.Context) { s.Temporal.SignalWorkflow(ctx); s.vault().Missing(ctx) }
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := parseHandlerSource(t, dir, "github.com/tabiji/tabiji", "..")
	got := oneCallViolations(src)
	want := []string{
		"deep: s.Store.GetJourney, check: s.Store.GetSegment",
		"entered: workflows.EnterJourney, s.router.Invalidate",
		"helped: s.Store.GetJourney, check: s.Store.GetSegment",
		"more: s.Temporal.SignalWorkflow, s.vault().Missing",
		"routes.func1: s.Store.Ping, s.router.Invalidate",
		"two: s.Store.GetJourney, s.Store.JourneyVersions",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(src.handlers("routes")); n != 8 {
		t.Errorf("found %d handlers, want 8 (one, two, helped, deep, entered, the literal, cached, more, and not the middleware)", n)
	}
}
