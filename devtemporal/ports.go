package devtemporal

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// hostPort is an address to bind: an IP literal and a port.
type hostPort struct {
	ip   string
	port int
}

// parseAddress reads "host:port" where host is an IP or "localhost"; a bare ":port" binds the
// loopback, because a dev server should not be reachable from the network unless asked.
func parseAddress(addr, what string) (hostPort, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return hostPort{}, fmt.Errorf("devtemporal: %s address %q: %w", what, addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return hostPort{}, fmt.Errorf("devtemporal: %s address %q: port must be a number from 0 to 65535", what, addr)
	}
	switch host {
	case "", "localhost":
		host = "127.0.0.1"
	}
	if net.ParseIP(host) == nil {
		return hostPort{}, fmt.Errorf("devtemporal: %s address %q: host must be an IP address or localhost", what, addr)
	}
	return hostPort{ip: host, port: port}, nil
}

func (h hostPort) bind() string { return net.JoinHostPort(h.ip, strconv.Itoa(h.port)) }

// dial returns the address a client on this machine connects to: a wildcard bind is reached
// through the loopback.
func (h hostPort) dial() string {
	ip := net.ParseIP(h.ip)
	switch {
	case ip.Equal(net.IPv4zero):
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(h.port))
	case ip.Equal(net.IPv6unspecified):
		return net.JoinHostPort("::1", strconv.Itoa(h.port))
	}
	return h.bind()
}

// portInUseError says which port is taken and what to do about it.
type portInUseError struct {
	port int
	hint string
}

func (e *portInUseError) Error() string {
	return fmt.Sprintf("devtemporal: port %d is in use: %s", e.port, e.hint)
}

func (e *portInUseError) Unwrap() error { return ErrPortInUse }

// claimPort makes sure h can be bound: port 0 becomes a free port, and a taken port becomes a
// portInUseError carrying hint. The check cannot reserve the port; it turns the common case
// (another server already running) into a clear error before anything starts.
func claimPort(h *hostPort, hint string) error {
	if h.port == 0 {
		port, err := freePort(h.ip)
		if err != nil {
			return err
		}
		h.port = port
		return nil
	}
	l, err := net.Listen("tcp", h.bind())
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return &portInUseError{port: h.port, hint: hint}
		}
		return fmt.Errorf("devtemporal: cannot listen on %s: %w", h.bind(), err)
	}
	return l.Close()
}

// freePort asks the OS for a free port on ip. Before returning it, it connects to the port and
// closes that connection from the listening side: the port then sits in TIME_WAIT, so the
// kernel does not hand it out again to the next bind(:0) (Linux picks ephemeral ports at
// random), while an explicit bind still works (Go sets SO_REUSEADDR). The Temporal CLI's dev
// server does the same.
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devtemporal: find a free port on %s: %w", ip, err)
	}
	defer l.Close()
	addr := l.Addr().(*net.TCPAddr)
	dialAddr := hostPort{ip: ip, port: addr.Port}.dial()
	c, err := net.Dial("tcp", dialAddr) //nolint:noctx // our own listener on this machine: the kernel answers at once
	if err != nil {
		return 0, fmt.Errorf("devtemporal: find a free port on %s: %w", ip, err)
	}
	defer c.Close()
	sc, err := l.Accept()
	if err != nil {
		return 0, fmt.Errorf("devtemporal: find a free port on %s: %w", ip, err)
	}
	sc.Close()
	return addr.Port, nil
}
