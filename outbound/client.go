// Package outbound holds the one HTTP client Tabiji uses for calls to
// addresses a workspace chooses (webhook nodes). It dials public addresses
// only: the check runs at dial time on each resolved IP (net.Dialer's
// Control hook), so a host name that resolves, or re-resolves, to a
// private address is refused as an IP literal is. It does not follow
// redirects, caps what it reads of a response, and bounds every timeout.
// The operator opens private targets on purpose with an Allowlist.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Defaults of Options.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTLSTimeout     = 5 * time.Second
	DefaultTimeout        = 20 * time.Second
	DefaultMaxResponse    = 1 << 20
)

// Options configure a Client; a zero field takes its default.
type Options struct {
	Allow          Allowlist     // private targets the operator opens
	ConnectTimeout time.Duration // TCP connect, per address
	TLSTimeout     time.Duration // TLS handshake
	Timeout        time.Duration // the whole call, body included
	MaxResponse    int64         // bytes of a response body read at most
}

// Client makes outbound calls to workspace-chosen URLs.
type Client struct {
	allow    Allowlist
	guardian *ssrf.Guardian
	http     *http.Client
	max      int64
}

// RefusedError is a call refused by policy: the host is not a public
// address. It names the host as the URL gave it, never the port or the
// resolved IP, so a refusal reads the same whichever port was asked.
type RefusedError struct {
	Host string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s is not a public address: outbound calls dial public addresses only (the operator may open private ones with %s)", e.Host, AllowEnv)
}

// errNotPublic marks the Control hook's refusal inside the dialer's error.
var errNotPublic = errors.New("not a public address")

// New returns a Client.
func New(opts Options) *Client {
	c := &Client{allow: opts.Allow, max: orDefault(opts.MaxResponse, DefaultMaxResponse),
		guardian: ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())}
	connect := orDefault(opts.ConnectTimeout, DefaultConnectTimeout)
	guarded := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second, Control: c.control}
	open := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // a proxy would dial on our behalf, past the check
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return c.dial(ctx, guarded, open, network, addr)
		},
		TLSHandshakeTimeout:   orDefault(opts.TLSTimeout, DefaultTLSTimeout),
		ResponseHeaderTimeout: orDefault(opts.Timeout, DefaultTimeout),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
	}
	c.http = &http.Client{
		Transport: tr,
		Timeout:   orDefault(opts.Timeout, DefaultTimeout),
		// A redirect is answered as it came: following it would send the
		// body and headers (tokens) to a place the workspace did not name.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Do sends req. A refusal by policy is a *RefusedError (not wrapped in the
// URL, so it names no port); a redirect is returned as the 3xx response;
// reading the body past the cap fails with *http.MaxBytesError.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req) //nolint:gosec // G704: this client is the SSRF guard: its dialer refuses private addresses at dial time
	if err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) {
			return nil, refused
		}
		return nil, err
	}
	resp.Body = http.MaxBytesReader(nil, resp.Body, c.max)
	return resp, nil
}

// Check says whether a connection to ip may be made: nil for a public
// address or one in the allowlist. The special-purpose ranges come from
// IANA's registries through code.dny.dev/ssrf: loopback, RFC 1918,
// link-local (cloud metadata), CGNAT, unspecified, multicast, reserved,
// documentation; for IPv6 everything outside global unicast (ULA, link
// local, loopback, NAT64, IPv4-mapped) and the special blocks inside it.
// An IPv4-mapped IPv6 address is judged as the IPv4 address it holds.
func (c *Client) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	if c.allow.allowsAddr(ip) {
		return nil
	}
	if err := c.guardian.SafeAddr(ip); err != nil {
		return fmt.Errorf("%w: %w", errNotPublic, err)
	}
	return nil
}

// control is the dialer's hook: it runs after the name is resolved and
// before the connection is made, once per address tried.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read %q: %w", errNotPublic, address, err)
	}
	return c.Check(ap.Addr())
}

// dial opens a connection to addr: through the open dialer for a host the
// allowlist names, else through the guarded one.
func (c *Client) dial(ctx context.Context, guarded, open *net.Dialer, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("outbound: address %q: %w", addr, err)
	}
	if c.allow.allowsHost(host) {
		return open.DialContext(ctx, network, addr)
	}
	conn, err := guarded.DialContext(ctx, network, addr)
	if errors.Is(err, errNotPublic) {
		return nil, &RefusedError{Host: host}
	}
	return conn, err
}
