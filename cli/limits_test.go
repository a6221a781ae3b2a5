package cli

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/api"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]api.Rate{
		"1000:2000": {PerSecond: 1000, Burst: 2000},
		"50":        {PerSecond: 50, Burst: 50},
		"10/m:10":   {PerSecond: 10.0 / 60, Burst: 10},
		"3600/h":    {PerSecond: 1, Burst: 1},
		"off":       {},
		"0":         {},
	} {
		got, err := parseRate(in)
		if err != nil || got != want {
			t.Errorf("parseRate(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"fast", "-1", "10/d", "10:0", "10:x"} {
		if _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) took it", in)
		}
	}
	if _, err := (LimitFlags{TrustedProxies: []string{"proxy.local"}}).limits(); err == nil || !strings.Contains(err.Error(), "TABIJI_TRUSTED_PROXIES") {
		t.Errorf("a bad trusted proxy = %v", err)
	}
}

// TestHTTPServerCutsSlowBodies: a client that sends headers and then holds
// its body back is cut off by ReadTimeout instead of holding a connection
// and a handler for ever (it did before: the server had only a
// ReadHeaderTimeout).
func TestHTTPServerCutsSlowBodies(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	tm := defaultTimeouts()
	if tm.Read == 0 || tm.Write == 0 || tm.Idle == 0 || tm.ReadHeader == 0 {
		t.Fatalf("default timeouts %+v leave one off", tm)
	}
	tm.Read = 300 * time.Millisecond
	srv := newHTTPServer(h, tm)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }() // ErrServerClosed once the cleanup closes it
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server still held the connection after 10 s (ReadTimeout %v)", tm.Read)
	}
	if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 408") {
		t.Errorf("answer to a held-back body = %q", got)
	}
}
