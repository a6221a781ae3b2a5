package deploy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// knownMetrics says whether a series name (as PromQL selects it: a
// histogram's name_bucket, a counter's name_total) is one a Tabiji process
// exports, each family read from the code that registers it.
type knownMetrics map[string]bool

// readMetrics reads what a Tabiji process registers: Tabiji's collectors
// in metrics/ (by their Opts type), the journey's counters of workflows/
// (emitted through the SDK's handler), the Go and process collectors that
// metrics.New registers, and the Temporal SDK's metric names from the SDK's
// source at the version the main module requires. Prometheus's own `up` is
// known too.
func readMetrics(t *testing.T) knownMetrics {
	t.Helper()
	known := knownMetrics{"up": true}
	usesGo, usesProcess := false, false
	for _, file := range parseDir(t, "metrics") {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if name, kind := optsName(n); name != "" {
					known.add(name, kind)
				}
			case *ast.SelectorExpr:
				usesGo = usesGo || n.Sel.Name == "NewGoCollector"
				usesProcess = usesProcess || n.Sel.Name == "NewProcessCollector"
			}
			return true
		})
	}
	if !known["tabiji_http_requests_total"] {
		t.Fatalf("read no tabiji_http_requests_total from metrics/: the reader no longer understands it (%v)", known)
	}
	known.addJourneyCounters(t)
	known.addRuntime(t, usesGo, usesProcess)
	known.addSDK(t)
	return known
}

// optsName reads prometheus.CounterOpts{Name: "…"} and its siblings.
func optsName(lit *ast.CompositeLit) (name, kind string) {
	sel, ok := lit.Type.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	kind = map[string]string{"CounterOpts": "counter", "GaugeOpts": "gauge", "HistogramOpts": "histogram", "SummaryOpts": "summary"}[sel.Sel.Name]
	if kind == "" {
		return "", ""
	}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if key, _ := kv.Key.(*ast.Ident); key != nil && key.Name == "Name" {
			if v, ok := kv.Value.(*ast.BasicLit); ok && v.Kind == token.STRING {
				name, _ = strconv.Unquote(v.Value)
			}
		}
	}
	return name, kind
}

// add knows the series a family of this kind exposes.
func (k knownMetrics) add(name, kind string) {
	switch kind {
	case "histogram":
		for _, s := range []string{"_bucket", "_sum", "_count"} {
			k[name+s] = true
		}
	case "summary":
		k[name], k[name+"_sum"], k[name+"_count"] = true, true, true
	default:
		k[name] = true
	}
}

// addJourneyCounters reads the workflows/ constants naming tabiji_ metrics
// and the handler method (Counter, Gauge, Timer) each is emitted through.
func (k knownMetrics) addJourneyCounters(t *testing.T) {
	t.Helper()
	names := map[string]string{}
	files := parseDir(t, "workflows")
	for _, file := range files {
		for ident, v := range stringConsts(file) {
			if strings.HasPrefix(v, "tabiji_") {
				names[ident] = v
			}
		}
	}
	found := 0
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			arg, isIdent := call.Args[0].(*ast.Ident)
			if !ok || !isIdent || names[arg.Name] == "" {
				return true
			}
			switch sel.Sel.Name {
			case "Counter", "Gauge":
				k.add(sdkName(names[arg.Name], sel.Sel.Name), "counter")
				found++
			case "Timer":
				k.add(sdkName(names[arg.Name], "Timer"), "histogram")
				found++
			}
			return true
		})
	}
	if found == 0 {
		t.Fatal("found no journey metric emitted in workflows/")
	}
}

// sdkName is the name the SDK's Prometheus naming scope (metrics.New)
// gives a metric: counters end _total, timers _seconds.
func sdkName(name, method string) string {
	switch {
	case method == "Counter" && !strings.HasSuffix(name, "_total"):
		return name + "_total"
	case method == "Timer" && !strings.HasSuffix(name, "_seconds"):
		return name + "_seconds"
	}
	return name
}

// addRuntime gathers the Go and process collectors metrics.New registers.
func (k knownMetrics) addRuntime(t *testing.T, goCollector, processCollector bool) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if goCollector {
		reg.MustRegister(collectors.NewGoCollector())
	}
	if processCollector {
		reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		k.add(f.GetName(), strings.ToLower(f.GetType().String()))
	}
}

// addSDK reads the Temporal SDK's metric names (its constants) from the
// SDK's source. Which handler method emits each is not read, so a name is
// known in each form the naming scope can give it: _total (a counter),
// _seconds with its histogram series (a timer), or bare (a gauge).
func (k knownMetrics) addSDK(t *testing.T) {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("find the Temporal SDK of the main module: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "internal", "common", "metrics", "constants.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatalf("parse the SDK's metric names: %v", err)
	}
	n := 0
	for _, v := range stringConsts(f) {
		if strings.HasPrefix(v, "temporal_") {
			k.add(sdkName(v, "Counter"), "counter")
			k.add(sdkName(v, "Timer"), "histogram")
			k.add(v, "gauge")
			n++
		}
	}
	if n == 0 {
		t.Fatalf("found no temporal_ metric name in %s", file)
	}
}

// stringConsts evaluates a file's string constants, concatenations of
// literals and earlier constants included.
func stringConsts(f *ast.File) map[string]string {
	consts := map[string]string{}
	var eval func(e ast.Expr) (string, bool)
	eval = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind == token.STRING {
				s, err := strconv.Unquote(e.Value)
				return s, err == nil
			}
		case *ast.Ident:
			s, ok := consts[e.Name]
			return s, ok
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				a, okA := eval(e.X)
				b, okB := eval(e.Y)
				return a + b, okA && okB
			}
		case *ast.ParenExpr:
			return eval(e.X)
		}
		return "", false
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					if s, ok := eval(vs.Values[i]); ok {
						consts[name.Name] = s
					}
				}
			}
		}
	}
	return consts
}
