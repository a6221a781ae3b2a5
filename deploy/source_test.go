package deploy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// repo is the repository's root, the main module holding Tabiji's code.
const repo = ".."

// parseDir parses the non-test Go files of one of Tabiji's packages.
func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repo, dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s (%v)", dir, err)
	}
	var out []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		out = append(out, file)
	}
	return out
}

// cliField is one field of a struct of package cli, as kong reads it.
type cliField struct {
	name     string // the field's Go name
	typeName string // the type's name, for a struct of the package
	tag      reflect.StructTag
	embedded bool // anonymous, or tagged embed:""
}

// cliStructs reads every struct type of package cli.
func cliStructs(t *testing.T) map[string][]cliField {
	t.Helper()
	structs := map[string][]cliField{}
	for _, file := range parseDir(t, "cli") {
		ast.Inspect(file, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, f := range st.Fields.List {
				var cf cliField
				if ident, ok := f.Type.(*ast.Ident); ok {
					cf.typeName = ident.Name
				}
				if f.Tag != nil {
					raw, _ := strconv.Unquote(f.Tag.Value)
					cf.tag = reflect.StructTag(raw)
				}
				_, embed := cf.tag.Lookup("embed")
				cf.embedded = len(f.Names) == 0 || embed
				if len(f.Names) > 0 {
					cf.name = f.Names[0].Name
				}
				structs[ts.Name.Name] = append(structs[ts.Name.Name], cf)
			}
			return false
		})
	}
	return structs
}

// envReadBy lists, per command of the tabiji binary (api, worker,
// migrate, …), the environment variables its flags read: the env tags of
// the command's struct and of the structs it embeds, and the global flags
// of the CLI struct, as kong binds them.
func envReadBy(t *testing.T) map[string]map[string]bool {
	t.Helper()
	structs := cliStructs(t)
	var collect func(typeName string, into map[string]bool)
	collect = func(typeName string, into map[string]bool) {
		for _, f := range structs[typeName] {
			if _, isCmd := f.tag.Lookup("cmd"); isCmd {
				continue
			}
			if env := f.tag.Get("env"); env != "" {
				for _, e := range strings.Split(env, ",") {
					into[e] = true
				}
			}
			if f.embedded && f.typeName != "" {
				collect(f.typeName, into)
			}
		}
	}
	globals := map[string]bool{}
	collect("CLI", globals)
	out := map[string]map[string]bool{}
	for _, f := range structs["CLI"] {
		if _, isCmd := f.tag.Lookup("cmd"); !isCmd {
			continue
		}
		name := f.tag.Get("name")
		if name == "" {
			name = strings.ToLower(f.name)
		}
		reads := map[string]bool{}
		for g := range globals {
			reads[g] = true
		}
		collect(f.typeName, reads)
		out[name] = reads
	}
	for _, cmd := range []string{"api", "worker", "migrate"} {
		if !out[cmd]["DATABASE_URL"] {
			t.Fatalf("read no DATABASE_URL for tabiji %s from cli/: the reader no longer understands the package (%v)", cmd, out[cmd])
		}
	}
	return out
}

// otelRead lists the OTEL_* variables Tabiji's tracing reads: those named in
// package telemetry and those the OpenTelemetry SDK and OTLP exporters it
// builds on read themselves (telemetry's doc comment says which), taken
// from their source at the versions the main module requires.
func otelRead(t *testing.T) map[string]bool {
	t.Helper()
	literal := regexp.MustCompile(`"(OTEL_[A-Z0-9_]+)"`)
	read := map[string]bool{}
	dirs := []string{filepath.Join(repo, "telemetry")}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}",
		"go.opentelemetry.io/otel/sdk",
		"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp",
		"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("find the OpenTelemetry modules of the main module: %v", err)
	}
	dirs = append(dirs, strings.Fields(string(out))...)
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
				read[m[1]] = true
			}
			// The OTLP exporters' envconfig names variables by a namespace
			// and a key: Namespace: "OTEL_EXPORTER_OTLP", WithHeaders("HEADERS", …).
			if ns := envNamespace.FindSubmatch(src); ns != nil {
				for _, m := range envKey.FindAllSubmatch(src, -1) {
					read[string(ns[1])+"_"+string(m[1])] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("read %s: %v", dir, err)
		}
	}
	if !read["OTEL_EXPORTER_OTLP_ENDPOINT"] {
		t.Fatal("found no OTEL_EXPORTER_OTLP_ENDPOINT in telemetry/ or the OpenTelemetry modules")
	}
	return read
}

var (
	envNamespace = regexp.MustCompile(`Namespace:\s*"(OTEL_[A-Z0-9_]+)"`)
	envKey       = regexp.MustCompile(`envconfig\.With\w+\(\s*"([A-Z0-9_]+)"`)
)

// apiGETRoutes lists the paths the API's gin engine serves GET on at its
// root (api/routes.go: r.GET("/healthz", …)).
func apiGETRoutes(t *testing.T) map[string]bool {
	t.Helper()
	paths := map[string]bool{}
	for _, file := range parseDir(t, "api") {
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "routes" {
				continue
			}
			engine := engineParam(fn)
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if path, ok := stringCall(n, engine, "GET"); ok {
					paths[path] = true
				}
				return true
			})
		}
	}
	if len(paths) == 0 {
		t.Fatal("found no GET route in api/'s routes func")
	}
	return paths
}

// engineParam is the name of the *gin.Engine parameter of fn.
func engineParam(fn *ast.FuncDecl) string {
	for _, p := range fn.Type.Params.List {
		if star, ok := p.Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Engine" && len(p.Names) > 0 {
				return p.Names[0].Name
			}
		}
	}
	return ""
}

// stringCall matches recv.method("literal", …) and returns the literal.
func stringCall(n ast.Node, recv, method string) (string, bool) {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != method {
		return "", false
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != recv {
		return "", false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// metricsAddrGETRoutes lists the paths served on the --metrics-addr
// address (cli/metrics.go: mux.Handle("GET /metrics", …)).
func metricsAddrGETRoutes(t *testing.T) map[string]bool {
	t.Helper()
	paths := map[string]bool{}
	for _, file := range parseDir(t, "cli") {
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if ok && fn.Recv != nil && recvType(fn) == "MetricsFlags" {
				collectMux(fn.Body, paths)
			}
		}
	}
	if !paths["/metrics"] {
		t.Fatalf("found no GET /metrics served by MetricsFlags in cli/ (found %v)", paths)
	}
	return paths
}

// recvType is the name of a method's receiver type.
func recvType(fn *ast.FuncDecl) string {
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// collectMux adds the GET patterns of mux.Handle and mux.HandleFunc calls.
func collectMux(body ast.Node, paths map[string]bool) {
	ast.Inspect(body, func(n ast.Node) bool {
		for _, method := range []string{"Handle", "HandleFunc"} {
			if pattern, ok := stringCall(n, "mux", method); ok && strings.HasPrefix(pattern, "GET /") {
				paths[strings.TrimPrefix(pattern, "GET ")] = true
			}
		}
		return true
	})
}
