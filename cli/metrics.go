package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/store"
)

// MetricsFlags say where a process serves its Prometheus metrics: on an
// address of its own, apart from the API, so that the port can stay off the
// public network (no ingress, a network policy letting only Prometheus in)
// rather than need a credential of its own.
type MetricsFlags struct {
	MetricsAddr string `name:"metrics-addr" env:"TABIJI_METRICS_ADDR" help:"Address that serves Prometheus metrics at /metrics, and the /healthz and /readyz probes, e.g. :9464 (empty: none). Keep it off the public network: it has no authentication."`
}

// start makes the process's metrics and serves them at /metrics on the
// address until stop, beside the probes /healthz and /readyz (the worker
// serves no other HTTP for Kubernetes to probe); with no address it returns
// nil metrics (nothing is counted), nil probes and a stop that does nothing.
func (f MetricsFlags) start(rc *runContext) (*metrics.Metrics, *probes, func(), error) {
	if f.MetricsAddr == "" {
		return nil, nil, func() {}, nil
	}
	ln, err := net.Listen("tcp", f.MetricsAddr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("listen on %s: %w (is another process using it? pass --metrics-addr)", f.MetricsAddr, err)
	}
	m := metrics.New(rc.log)
	p := &probes{log: rc.log}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", p.healthz)
	mux.HandleFunc("GET /readyz", p.readyz)
	srv := newHTTPServer(mux, defaultTimeouts())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rc.log.Error("serve metrics", "error", err)
		}
	}()
	rc.log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return m, p, func() { _ = srv.Close(); <-done; m.Close() }, nil
}

// probes answer Kubernetes on the metrics address: /healthz while the
// process answers at all (liveness), /readyz once the process is serving
// and its check passes (readiness).
type probes struct {
	log   *slog.Logger
	check atomic.Pointer[func(context.Context) error]
}

// ready says the process serves, and what /readyz checks from now on.
// Safe on nil probes (no metrics address).
func (p *probes) ready(check func(context.Context) error) {
	if p != nil {
		p.check.Store(&check)
	}
}

func (p *probes) healthz(w http.ResponseWriter, _ *http.Request) {
	writeProbe(w, http.StatusOK, "ok")
}

// readyz answers only "ready", "starting" or "unavailable": the error
// (addresses, drivers' messages) goes to the log, as the API's /readyz.
func (p *probes) readyz(w http.ResponseWriter, r *http.Request) {
	check := p.check.Load()
	if check == nil {
		writeProbe(w, http.StatusServiceUnavailable, "starting")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := (*check)(ctx); err != nil {
		p.log.Error("readiness", "error", err)
		writeProbe(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	writeProbe(w, http.StatusOK, "ready")
}

func writeProbe(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": status})
}

// reachable is the readiness check of a process that needs Postgres and
// Temporal: both answer.
func reachable(st *store.Store, tc client.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := st.Ping(ctx); err != nil {
			return fmt.Errorf("ping postgres: %w", err)
		}
		if _, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			return fmt.Errorf("check temporal: %w", err)
		}
		return nil
	}
}
