package cli

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/tabiji/tabiji/metrics"
)

// MetricsFlags say where a process serves its Prometheus metrics: on an
// address of its own, apart from the API, so that the port can stay off the
// public network (no ingress, a network policy letting only Prometheus in)
// rather than need a credential of its own.
type MetricsFlags struct {
	MetricsAddr string `name:"metrics-addr" env:"TABIJI_METRICS_ADDR" help:"Address that serves Prometheus metrics at /metrics, e.g. :9464 (empty: none). Keep it off the public network: it has no authentication."`
}

// start makes the process's metrics and serves them at /metrics on the
// address until stop; with no address it returns nil metrics (nothing is
// counted) and a stop that does nothing.
func (f MetricsFlags) start(rc *runContext) (*metrics.Metrics, func(), error) {
	if f.MetricsAddr == "" {
		return nil, func() {}, nil
	}
	ln, err := net.Listen("tcp", f.MetricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w (is another process using it? pass --metrics-addr)", f.MetricsAddr, err)
	}
	m := metrics.New(rc.log)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := newHTTPServer(mux, defaultTimeouts())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rc.log.Error("serve metrics", "error", err)
		}
	}()
	rc.log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return m, func() { _ = srv.Close(); <-done; m.Close() }, nil
}
