package liquid

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/parser"
	"github.com/osteele/liquid/render"
	"github.com/osteele/liquid/values"
)

// The sandbox's own tags. Before a template is compiled, rewrite turns
// every {{ … }} into outputTag, every capture into captureTag, and starts
// the body of every for and tablerow loop with tickTag.
const (
	outputTag  = "tabiji_output"
	captureTag = "tabiji_capture"
	tickTag    = "tabiji_tick"
)

// stateBinding is the binding through which the sandbox's tags find the
// render's state: no Liquid name can spell it, so a template can neither
// read nor replace it.
const stateBinding = "\x00tabiji"

// state is one render's budgets and options.
type state struct {
	ctx        context.Context
	maxTime    time.Duration
	deadline   time.Time
	iterations int
	filtered   int // bytes and items the filters made
	opts       Options
	captures   int               // > 0 inside a capture: outputs are not recorded
	overflow   bool              // a writer went over MaxOutput
	captured   map[string]string // in HTML, each capture's value, escaped where it had to be
	out        *limitWriter
}

func newState(ctx context.Context, maxTime time.Duration, opts Options) *state {
	st := &state{ctx: ctx, maxTime: maxTime, deadline: time.Now().Add(maxTime), opts: opts}
	if d, ok := ctx.Deadline(); ok && d.Before(st.deadline) {
		st.deadline = d
	}
	st.out = &limitWriter{st: st}
	return st
}

func stateOf(ctx render.Context) (*state, error) {
	st, ok := ctx.Get(stateBinding).(*state)
	if !ok {
		return nil, fmt.Errorf("the template is rendered outside the sandbox: %w", ErrBudget)
	}
	return st, nil
}

// check stops a render whose output overflowed, whose context ended or
// whose time is up.
func (st *state) check() error {
	if st.overflow {
		return st.overOutput()
	}
	if err := st.ctx.Err(); err != nil {
		return fmt.Errorf("rendering stopped: %w (%w)", err, ErrBudget)
	}
	if time.Now().After(st.deadline) {
		return fmt.Errorf("rendering took longer than %s: %w", st.maxTime, ErrBudget)
	}
	return nil
}

// isCaptured says whether v is the value of a capture of this render:
// its outputs were escaped when it was captured, so it is not escaped
// again. Only the template's own capture can make such a string (a
// value equal to it writes what the capture would), so data gains nothing.
func (st *state) isCaptured(v any) bool {
	s, ok := v.(string)
	if !ok || st.captured == nil {
		return false
	}
	for _, c := range st.captured {
		if c == s {
			return true
		}
	}
	return false
}

func (st *state) overOutput() error {
	return fmt.Errorf("the output is longer than %d KB: %w", MaxOutput>>10, ErrBudget)
}

// limitWriter keeps at most MaxOutput bytes. It never fails a write (the
// library panics on a failed flush); past the limit it drops the bytes and
// marks the render, which the sandbox's tags and Render then stop.
type limitWriter struct {
	bytes.Buffer
	st *state
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.st.overflow || w.Len()+len(p) > MaxOutput {
		w.st.overflow = true
		return len(p), nil
	}
	return w.Buffer.Write(p)
}

// tick counts one loop iteration against MaxIterations and checks time.
func tick(string) (func(io.Writer, render.Context) error, error) {
	return func(_ io.Writer, ctx render.Context) error {
		st, err := stateOf(ctx)
		if err != nil {
			return err
		}
		st.iterations++
		if st.iterations > MaxIterations {
			return fmt.Errorf("loops ran more than %d iterations: %w", MaxIterations, ErrBudget)
		}
		return st.check()
	}, nil
}

// capture is Liquid's capture, into a bounded buffer.
func capture(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	name := node.Args
	return func(_ io.Writer, ctx render.Context) error {
		st, err := stateOf(ctx)
		if err != nil {
			return err
		}
		st.captures++
		defer func() { st.captures-- }()
		w := &limitWriter{st: st}
		if err := ctx.RenderChildren(w); err != nil {
			return err
		}
		if st.overflow {
			return st.overOutput()
		}
		if st.opts.HTML {
			if st.captured == nil {
				st.captured = map[string]string{}
			}
			st.captured[name] = w.String()
		}
		ctx.Set(name, w.String())
		return nil
	}, nil
}

// refuseFileTag refuses include when a template is parsed.
func refuseFileTag(string) (func(io.Writer, render.Context) error, error) {
	return nil, fmt.Errorf("include is not allowed: %w; write the content in the template", ErrFileTag)
}

// outputTag writes the value of one {{ … }} as Liquid does, escaped in
// HTML unless raw, or recorded.
func (e *Engine) outputTag(args string) (func(io.Writer, render.Context) error, error) {
	expr, err := expressions.Parse(args)
	if err != nil {
		return nil, err
	}
	return func(w io.Writer, ctx render.Context) error {
		st, err := stateOf(ctx)
		if err != nil {
			return err
		}
		if err := st.check(); err != nil {
			return err
		}
		v, err := ctx.Evaluate(expr)
		if err != nil {
			return err
		}
		record := st.opts.Record != nil && st.captures == 0
		if values.ToLiquid(v) == nil && !record {
			return nil // nil writes nothing, as Liquid's own output
		}
		out, err := e.plain.format(v, st.opts.HTML && !st.isCaptured(v))
		if err != nil {
			return err
		}
		if record {
			out = st.opts.Record(out)
		}
		_, err = io.WriteString(w, out)
		return err
	}, nil
}

// rawHTML is a value the raw filter (or escape) marked as HTML to write as
// it is.
type rawHTML struct{ s string }

func (r rawHTML) String() string { return r.s }

// formatter writes a value exactly as Liquid's {{ v }} does.
type formatter struct {
	cfg  render.Config
	root render.Node
}

func newFormatter() *formatter {
	cfg := render.NewConfig()
	root, err := cfg.Compile("{{ v }}", parser.SourceLoc{})
	if err != nil {
		panic(err)
	}
	return &formatter{cfg: cfg, root: root}
}

func (f *formatter) format(v any, escape bool) (string, error) {
	if r, ok := v.(rawHTML); ok {
		return r.s, nil
	}
	var b strings.Builder
	if err := render.Render(f.root, &b, map[string]any{"v": v}, f.cfg); err != nil {
		return "", err
	}
	if escape {
		return html.EscapeString(b.String()), nil
	}
	return b.String(), nil
}

// rewrite turns src into what the sandbox compiles: outside raw blocks,
// every {{ expr }} becomes {% tabiji_output expr %} (keeping its
// whitespace control and its line count), every capture a
// tabiji_capture, and every for and tablerow loop starts with a tick.
func rewrite(src string) string {
	var b strings.Builder
	b.Grow(len(src) + len(src)/8)
	raw := false
	for _, tok := range parser.Scan(src, parser.SourceLoc{}, nil) {
		switch {
		case tok.Type == parser.TagTokenType && tok.Name == "raw":
			raw = true
		case tok.Type == parser.TagTokenType && tok.Name == "endraw":
			raw = false
		case raw:
		case tok.Type == parser.TagTokenType && (tok.Name == "capture" || tok.Name == "endcapture"):
			i := strings.Index(tok.Source, tok.Name)
			b.WriteString(tok.Source[:i] + strings.Replace(tok.Name, "capture", captureTag, 1) + tok.Source[i+len(tok.Name):])
			continue
		case tok.Type == parser.TagTokenType && (tok.Name == "for" || tok.Name == "tablerow"):
			b.WriteString(tok.Source + "{% " + tickTag + " %}")
			continue
		case tok.Type == parser.ObjTokenType:
			b.WriteString(outputSource(tok))
			continue
		}
		b.WriteString(tok.Source)
	}
	return b.String()
}

// outputSource is the tag an output token becomes.
func outputSource(tok parser.Token) string {
	left, right := "", ""
	if tok.Source[2] == '-' {
		left = "-"
	}
	if tok.Source[len(tok.Source)-3] == '-' {
		right = "-"
	}
	lines := strings.Repeat("\n", strings.Count(tok.Source, "\n")-strings.Count(tok.Args, "\n"))
	return "{%" + left + " " + outputTag + " " + tok.Args + " " + lines + right + "%}"
}
