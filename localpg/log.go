package localpg

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

const tailSize = 16 << 10

// logWriter forwards the output of postgres and its tools to Options.Log,
// one write at a time, and keeps the last bytes for error messages.
type logWriter struct {
	mu   sync.Mutex
	out  io.Writer
	last []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = append(w.last, p...)
	if over := len(w.last) - tailSize; over > 0 {
		w.last = append(w.last[:0], w.last[over:]...)
	}
	_, _ = w.out.Write(p) // a failing log must not stop postgres
	return len(p), nil
}

func (w *logWriter) contains(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Contains(w.last, []byte(s))
}

// tail returns the last lines of the log, ready to append to an error message.
func (w *logWriter) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(bytes.TrimSpace(w.last)) == 0 {
		return ""
	}
	return "\n--- end of the postgres log ---\n" + lastLines(string(w.last), 20)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
