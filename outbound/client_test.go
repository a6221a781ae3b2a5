package outbound_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tabiji/tabiji/outbound"
)

// Only loopback is ever dialled here: every other address is judged by
// Check, the function the dialer's Control hook calls before connecting.

func TestCheck(t *testing.T) {
	c := outbound.New(outbound.Options{})
	refused := map[string]string{
		"127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "IPv6 loopback",
		"10.1.2.3": "RFC 1918", "172.16.0.1": "RFC 1918", "172.31.255.254": "RFC 1918", "192.168.1.1": "RFC 1918",
		"169.254.169.254": "cloud metadata (link-local)", "fe80::1": "IPv6 link-local",
		"100.64.0.1": "CGNAT", "100.127.255.254": "CGNAT",
		"fc00::1": "ULA", "fd12:3456::1": "ULA",
		"0.0.0.0": "unspecified", "::": "IPv6 unspecified",
		"224.0.0.1": "multicast", "ff02::1": "IPv6 multicast", "240.0.0.1": "reserved", "255.255.255.255": "broadcast",
		"::ffff:127.0.0.1": "IPv4-mapped loopback", "::ffff:10.0.0.1": "IPv4-mapped RFC 1918",
		"::ffff:169.254.169.254": "IPv4-mapped metadata", "64:ff9b::7f00:1": "NAT64 form of 127.0.0.1",
		"64:ff9b::a9fe:a9fe": "NAT64 form of 169.254.169.254", "fd00:ec2::254": "AWS IPv6 metadata (ULA)",
		"192.0.2.1": "documentation", "198.18.0.1": "benchmarking",
	}
	for addr, why := range refused {
		if err := c.Check(netip.MustParseAddr(addr)); err == nil {
			t.Errorf("%s (%s) is allowed, want refused", addr, why)
		}
	}
	for _, addr := range []string{"93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1"} {
		if err := c.Check(netip.MustParseAddr(addr)); err != nil {
			t.Errorf("%s (public) is refused: %v", addr, err)
		}
	}
}

func TestAllowlist(t *testing.T) {
	allow, err := outbound.ParseAllowlist(" 10.0.0.0/8, 192.168.1.5 ,CRM.internal., fd00::/8,")
	if err != nil {
		t.Fatal(err)
	}
	if got := allow.String(); got != "10.0.0.0/8,192.168.1.5/32,fd00::/8,crm.internal" {
		t.Errorf("allowlist = %q", got)
	}
	c := outbound.New(outbound.Options{Allow: allow})
	for _, addr := range []string{"10.9.8.7", "::ffff:10.9.8.7", "192.168.1.5", "fd00::5"} {
		if err := c.Check(netip.MustParseAddr(addr)); err != nil {
			t.Errorf("%s is in the allowlist but refused: %v", addr, err)
		}
	}
	for _, addr := range []string{"192.168.1.6", "127.0.0.1", "169.254.169.254", "fc00::1"} {
		if err := c.Check(netip.MustParseAddr(addr)); err == nil {
			t.Errorf("%s is outside the allowlist but allowed", addr)
		}
	}
	for _, bad := range []string{"http://crm.internal", "crm.internal:8080", "10.0.0.0/33", "crm_internal", "*.internal"} {
		if _, err := outbound.ParseAllowlist(bad); err == nil || !strings.Contains(err.Error(), outbound.AllowEnv) {
			t.Errorf("ParseAllowlist(%q) = %v, want an error naming %s", bad, err, outbound.AllowEnv)
		}
	}
}

// listener is a local server that counts the requests reaching it.
func listener(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func post(t *testing.T, c *outbound.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestRefusedAtDialTime(t *testing.T) {
	srv, hits := listener(t, nil)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := outbound.New(outbound.Options{})
	t.Run("Loopback", func(t *testing.T) {
		_, err := post(t, c, srv.URL+"/api/v1/namespaces/default/workflows/x/terminate")
		var refused *outbound.RefusedError
		if !errors.As(err, &refused) || refused.Host != "127.0.0.1" {
			t.Errorf("POST to %s: %v, want a refusal naming 127.0.0.1", srv.URL, err)
		}
	})
	t.Run("HostNameResolvingToLoopback", func(t *testing.T) {
		_, err := post(t, c, "http://localhost:"+strconv.Itoa(port)+"/")
		var refused *outbound.RefusedError
		if !errors.As(err, &refused) || refused.Host != "localhost" {
			t.Errorf("POST to localhost: %v, want a refusal naming localhost", err)
		}
	})
	t.Run("SameErrorWhetherThePortAnswersOrNot", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closedURL := closed.URL
		closed.Close()
		_, open := post(t, c, srv.URL+"/x")
		_, shut := post(t, c, closedURL+"/x")
		if open == nil || shut == nil || open.Error() != shut.Error() {
			t.Errorf("refusals differ by port: %v / %v", open, shut)
		}
	})
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback listener got %d requests, want none", n)
	}
}

func TestAllowlistOpensPrivateTargets(t *testing.T) {
	srv, hits := listener(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	for _, allow := range []string{"127.0.0.0/8", "127.0.0.1", "localhost"} {
		c := outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist(allow)})
		url := srv.URL // http://127.0.0.1:port
		if allow == "localhost" {
			url = "http://localhost:" + port + "/"
		}
		resp, err := post(t, c, url)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Errorf("allow %s: %v, %v", allow, resp, err)
		}
	}
	if hits.Load() != 3 {
		t.Errorf("listener got %d requests, want 3", hits.Load())
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	inside, insideHits := listener(t, nil)
	front, _ := listener(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inside.URL+"/api/v1/secret", http.StatusFound)
	})
	// The front server is reached by name (allowlisted); the redirect
	// points at 127.0.0.1, which is not.
	c := outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("localhost")})
	resp, err := post(t, c, "http://localhost:"+strconv.Itoa(front.Listener.Addr().(*net.TCPAddr).Port)+"/hook")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("POST = %v, %v; want the 302 itself", resp, err)
	}
	if n := insideHits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests, want none", n)
	}
}

func TestResponseIsReadUpToTheCap(t *testing.T) {
	srv, _ := listener(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 4096))
	})
	c := outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1"), MaxResponse: 1024})
	resp, err := post(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	var tooLarge *http.MaxBytesError
	if !errors.As(err, &tooLarge) || len(got) != 1024 {
		t.Errorf("read %d bytes, %v; want 1024 and a MaxBytesError", len(got), err)
	}
}

func TestTimeoutIsBounded(t *testing.T) {
	release := make(chan struct{})
	srv, _ := listener(t, func(http.ResponseWriter, *http.Request) { <-release })
	defer close(release) // before the server's Close, which waits for the handler
	c := outbound.New(outbound.Options{Allow: outbound.MustParseAllowlist("127.0.0.1"), Timeout: 300 * time.Millisecond})
	start := time.Now()
	if _, err := post(t, c, srv.URL); err == nil {
		t.Fatal("a server that never answers: no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v, want about 300 ms", d)
	}
}
