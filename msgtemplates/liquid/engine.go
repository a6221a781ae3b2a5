// Package liquid is the one Liquid engine of Tabiji: every template that
// is rendered (message templates, inline journey content, webhook bodies,
// broadcasts, previews, simulations) and every template that is validated
// at save goes through Default (made by New). It is osteele/liquid with a
// sandbox around it:
//
//   - no tag reads a file: include is refused when a template is parsed
//     (the library has no other file-reading tag);
//   - budgets per render: MaxOutput bytes of output (and of any capture or
//     filter result), MaxIterations loop iterations across all loops,
//     MaxFiltered bytes made by filters, and time: the context's deadline,
//     and at most MaxTime;
//   - in HTML, every {{ output }} is HTML-escaped unless its value went
//     through the raw filter (or escape, which already escaped it, or is a
//     capture, whose outputs were escaped inside it);
//   - a panic of the library is an error (ErrBroken), not a crash.
//
// It lives apart from msgtemplates because journey validates Liquid too,
// and msgtemplates imports journey.
package liquid

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/osteele/liquid/filters"
	"github.com/osteele/liquid/parser"
	"github.com/osteele/liquid/render"
	"github.com/osteele/liquid/tags"
)

// Budgets of one render.
const (
	// MaxOutput is the most bytes a rendered string, a capture or a
	// filter's result may hold.
	MaxOutput = 512 << 10
	// MaxSource is the most bytes a template's source may hold.
	MaxSource = 512 << 10
	// MaxIterations is the most loop iterations of one render, all loops
	// (nested or not) counted together.
	MaxIterations = 10_000
	// MaxItems is the most items an array made by a filter may hold.
	MaxItems = 100_000
	// MaxFiltered is the most bytes (strings) and items (arrays) all the
	// filters of one render may make together.
	MaxFiltered = 32 << 20
	// MaxTime is the longest one render may take, whatever the context's
	// deadline.
	MaxTime = time.Second
)

// cacheBytes bounds the sources the parse cache keeps.
const cacheBytes = 16 << 20

// ErrBudget is wrapped by every error of a render stopped by a budget.
var ErrBudget = errors.New("over the rendering budget")

// ErrFileTag is wrapped by the error of a template that uses a tag that
// reads files.
var ErrFileTag = errors.New("templates cannot include files")

// Engine parses and renders templates in the sandbox. It is safe for
// concurrent use; parsed templates are cached by source.
type Engine struct {
	cfg     render.Config // compiles; its filters see no render
	plain   *formatter
	parsed  *cache[*Template]
	configs sync.Pool // of *renderConfig: renders in progress use one each
	maxTime time.Duration
}

// Template is a parsed template.
type Template struct {
	root render.Node
	e    *Engine
}

// renderConfig is a configuration a render runs with: the library looks
// tags and filters up in it when it renders, so its filters know the
// render's state (budgets, time) through st.
type renderConfig struct {
	cfg render.Config
	st  *state // nil between renders
}

var shared = sync.OnceValue(New)

// Default is the engine the whole process shares (and its parse cache).
func Default() *Engine { return shared() }

// New returns an engine with Liquid's standard tags and filters, the
// sandbox's own tags, and the raw filter.
func New() *Engine { return newEngine(MaxTime) }

func newEngine(maxTime time.Duration) *Engine {
	e := &Engine{plain: newFormatter(), parsed: newCache[*Template](cacheBytes), maxTime: maxTime}
	e.cfg = e.newConfig(&renderConfig{})
	e.configs.New = func() any {
		rc := &renderConfig{}
		rc.cfg = e.newConfig(rc)
		return rc
	}
	return e
}

// newConfig is Liquid's standard tags and filters, the sandbox's tags,
// include refused, and filters bounded with rc's render state.
func (e *Engine) newConfig(rc *renderConfig) render.Config {
	cfg := render.NewConfig()
	addFilters(&cfg, e.plain, rc)
	tags.AddStandardTags(cfg)
	cfg.AddTag("include", refuseFileTag)
	cfg.AddTag(outputTag, e.outputTag)
	cfg.AddTag(tickTag, tick)
	cfg.AddBlock(captureTag).Compiler(capture)
	return cfg
}

// Parse compiles src, or answers why it cannot: a syntax error, a tag
// that reads files (ErrFileTag), a source over MaxSource.
func (e *Engine) Parse(src string) (*Template, error) {
	if len(src) > MaxSource {
		return nil, fmt.Errorf("the template is %d KB, over the %d KB limit: %w", len(src)>>10, MaxSource>>10, ErrBudget)
	}
	return e.parsed.get(src, func(src string) (t *Template, err error) {
		defer func() {
			if r := recover(); r != nil {
				t, err = nil, panicError(r)
			}
		}()
		root, err := e.cfg.Compile(rewrite(src), parser.SourceLoc{LineNo: 1})
		if err != nil {
			return nil, cleanError(err)
		}
		return &Template{root: root, e: e}, nil
	})
}

// Check parses src and renders it once with no data, so that a template
// that would exceed a budget whatever the data (a loop over
// (1..1000000000)) is refused when it is saved. Errors that depend on the
// data are not Check's business.
func (e *Engine) Check(src string) error {
	if !hasMarkup(src) {
		return nil
	}
	t, err := e.Parse(src)
	if err != nil {
		return err
	}
	if _, err := t.Render(context.Background(), nil, Options{}); errors.Is(err, ErrBudget) || errors.Is(err, ErrBroken) {
		return err
	}
	return nil
}

// Options say how one render writes its outputs.
type Options struct {
	// HTML escapes every output whose value is not marked raw.
	HTML bool
	// Record, when set, is given each output written outside a capture
	// and returns what to write in its place (msgtemplates' skeletons).
	Record func(out string) string
}

// Render renders the template with bindings under the budgets. The
// bindings are not changed.
func (t *Template) Render(ctx context.Context, bindings map[string]any, opts Options) (out string, err error) {
	st := newState(ctx, t.e.maxTime, opts)
	vars := make(map[string]any, len(bindings)+1)
	maps.Copy(vars, bindings)
	vars[stateBinding] = st
	rc := t.e.configs.Get().(*renderConfig)
	rc.st = st
	defer func() {
		rc.st = nil
		t.e.configs.Put(rc)
		if r := recover(); r != nil {
			out, err = "", panicError(r)
		}
	}()
	if err := render.Render(t.root, st.out, vars, rc.cfg); err != nil {
		return "", cleanError(err)
	}
	if st.overflow {
		return "", st.overOutput()
	}
	return st.out.String(), nil
}

// ErrBroken is wrapped by the error of a template the library could not
// render at all: it panicked (for instance the cycle tag after
// {% assign forloop = "x" %}). The sandbox recovers, so a template cannot
// bring a process down.
var ErrBroken = errors.New("the template breaks the Liquid engine")

func panicError(r any) error {
	msg, _, _ := strings.Cut(fmt.Sprint(r), "\n")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return fmt.Errorf("%w: %s", ErrBroken, msg)
}

// Render parses (or finds in the cache) src and renders it as text.
func (e *Engine) Render(ctx context.Context, src string, bindings map[string]any) (string, error) {
	return e.RenderWith(ctx, src, bindings, Options{})
}

// RenderHTML parses src and renders it as HTML: outputs escaped.
func (e *Engine) RenderHTML(ctx context.Context, src string, bindings map[string]any) (string, error) {
	return e.RenderWith(ctx, src, bindings, Options{HTML: true})
}

// RenderWith parses src and renders it with opts.
func (e *Engine) RenderWith(ctx context.Context, src string, bindings map[string]any, opts Options) (string, error) {
	if !hasMarkup(src) {
		return src, nil
	}
	t, err := e.Parse(src)
	if err != nil {
		return "", err
	}
	return t.Render(ctx, bindings, opts)
}

// hasMarkup says whether src holds anything Liquid would read.
func hasMarkup(src string) bool { return strings.Contains(src, "{{") || strings.Contains(src, "{%") }

// cleanError keeps the library's message and location but speaks of the
// template's own {{ … }}, not of the tag the sandbox rewrote it into; a
// budget or file-tag error keeps its sentinel for errors.Is.
func cleanError(err error) error {
	msg := rewrittenOutput.ReplaceAllString(err.Error(), "{{$1 $2 $3}}")
	msg = strings.ReplaceAll(msg, captureTag, "capture")
	msg = strings.ReplaceAll(msg, "{% "+tickTag+" %}", "")
	for _, sentinel := range []error{ErrBudget, ErrFileTag} {
		if isCause(err, sentinel) || strings.Contains(msg, sentinel.Error()) {
			return &sandboxError{msg: msg, sentinel: sentinel}
		}
	}
	return errors.New(msg)
}

// rewrittenOutput matches an output as rewrite wrote it.
var rewrittenOutput = regexp.MustCompile(`\{%(-?) ` + outputTag + ` (?s:(.*?))\s*(-?)%\}`)

// isCause follows the library's Cause chain (its errors do not Unwrap).
func isCause(err, target error) bool {
	for err != nil {
		if errors.Is(err, target) {
			return true
		}
		c, ok := err.(interface{ Cause() error })
		if !ok {
			return false
		}
		err = c.Cause()
	}
	return false
}

type sandboxError struct {
	msg      string
	sentinel error
}

func (e *sandboxError) Error() string { return e.msg }
func (e *sandboxError) Unwrap() error { return e.sentinel }

// cache is a map that empties itself when its keys hold more than max
// bytes: enough for the templates a process renders at a time, bounded
// over its life.
type cache[V any] struct {
	mu   sync.Mutex
	max  int
	size int
	m    map[string]V
}

func newCache[V any](limit int) *cache[V] { return &cache[V]{max: limit, m: map[string]V{}} }

// get is key's value, made by fn and kept when it is not yet there.
func (c *cache[V]) get(key string, fn func(string) (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := fn(key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.size+len(key) > c.max {
		clear(c.m)
		c.size = 0
	}
	c.m[key] = v
	c.size += len(key)
	c.mu.Unlock()
	return v, nil
}

// standardFilters is a seam for tests: the library's own filters.
var standardFilters = filters.AddStandardFilters
