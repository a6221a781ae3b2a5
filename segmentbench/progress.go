package segmentbench

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints "events 3,400,000 / 10,000,000 (34%) 41,000 rows/s" at
// most once a second, from any goroutine.
type progress struct {
	mu         sync.Mutex
	w          io.Writer
	what       string
	n, total   int
	start, out time.Time
}

func newProgress(w io.Writer, what string, total int) *progress {
	now := time.Now()
	return &progress{w: w, what: what, total: total, start: now, out: now}
}

func (p *progress) add(k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += k
	if time.Since(p.out) >= time.Second {
		p.out = time.Now()
		p.print("\r")
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print("\r")
	fmt.Fprintln(p.w)
}

func (p *progress) print(prefix string) {
	secs := time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "%s%-8s %10d / %d (%3.0f%%) %8.0f rows/s", prefix, p.what, p.n, p.total,
		100*float64(p.n)/float64(max(p.total, 1)), float64(p.n)/max(secs, 0.001))
}
