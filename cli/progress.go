package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// progress shows how far a long command is: a bar (mpb) on a terminal,
// else a line at most every few seconds, so logs stay readable.
type progress struct {
	p     *mpb.Progress
	bar   *mpb.Bar
	w     io.Writer
	name  string
	total int64
	unit  string
	cur   int64
	last  time.Time
}

// newProgress starts a bar of total units ("bytes" or "rows"; total 0 when unknown).
func newProgress(ctx context.Context, w io.Writer, name string, total int64, unit string, quiet bool) *progress {
	pr := &progress{w: w, name: name, total: total, unit: unit, last: time.Now()}
	if quiet {
		pr.w = io.Discard
		return pr
	}
	// A terminal of no width (a pty nobody sized) would show nothing: lines then.
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && termWidth(f) > 0 {
		pr.p = mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(40))
		counter := decor.Counters(0, "%d / %d")
		if unit == "bytes" {
			counter = decor.Counters(decor.SizeB1024(0), "% .1f / % .1f")
		}
		pr.bar = pr.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(name+" "), counter),
			mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)))
	}
	return pr
}

// set moves the bar to n units.
func (pr *progress) set(n int64) {
	pr.cur = n
	if pr.bar != nil {
		pr.bar.SetCurrent(n)
		return
	}
	if time.Since(pr.last) >= 5*time.Second {
		pr.last = time.Now()
		pr.line()
	}
}

func (pr *progress) line() {
	if pr.total > 0 {
		fmt.Fprintf(pr.w, "%s: %d of %d %s (%d%%)\n", pr.name, pr.cur, pr.total, pr.unit, pr.cur*100/pr.total)
	} else {
		fmt.Fprintf(pr.w, "%s: %d %s\n", pr.name, pr.cur, pr.unit)
	}
}

// done ends the bar (complete or not) and waits for it to be drawn.
func (pr *progress) done() {
	if pr.bar != nil {
		if pr.total == 0 || pr.cur >= pr.total {
			pr.bar.SetTotal(pr.cur, true)
		} else {
			pr.bar.Abort(false)
		}
		pr.p.Wait()
		return
	}
	pr.line()
}

func termWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
