package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/metrics"
	"github.com/tabiji/tabiji/payloadcodec"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/telemetry"
	"github.com/tabiji/tabiji/temporalheaders"
)

// DatabaseFlags locate Postgres.
type DatabaseFlags struct {
	DatabaseURL string `name:"database-url" env:"DATABASE_URL" help:"Postgres connection URL, e.g. postgres://user:pass@host:5432/tabiji."`
}

// TemporalFlags locate an external Temporal cluster (self-hosted or Temporal
// Cloud, with mTLS or an API key).
type TemporalFlags struct {
	Address       string `name:"temporal-address" env:"TEMPORAL_ADDRESS" help:"Temporal frontend host:port, e.g. localhost:7233 or <ns>.<acct>.tmprl.cloud:7233."`
	Namespace     string `name:"temporal-namespace" env:"TEMPORAL_NAMESPACE" default:"default" help:"Temporal namespace."`
	APIKey        string `name:"temporal-api-key" env:"TEMPORAL_API_KEY" help:"Temporal Cloud API key (implies TLS)."`
	TLSCert       string `name:"temporal-tls-cert" env:"TEMPORAL_TLS_CERT" type:"path" help:"Client certificate (PEM) for mTLS."`
	TLSKey        string `name:"temporal-tls-key" env:"TEMPORAL_TLS_KEY" type:"path" help:"Client private key (PEM) for mTLS."`
	TLSCA         string `name:"temporal-tls-ca" env:"TEMPORAL_TLS_CA" type:"path" help:"CA certificate (PEM) to verify the server, when not a public CA."`
	TLSServerName string `name:"temporal-tls-server-name" env:"TEMPORAL_TLS_SERVER_NAME" help:"Server name to verify, when it differs from the address."`
	// Embedded: the server is tabiji dev's own, in this process
	// (devtemporal.ConfigureClient). Never a flag.
	Embedded bool `kong:"-"`
}

// openStore connects to Postgres and refuses a schema that is behind.
func openStore(ctx context.Context, d DatabaseFlags) (*store.Store, error) {
	return openStoreWith(ctx, d, store.Options{})
}

// openStoreWith is openStore with the pool tuned by opts.
func openStoreWith(ctx context.Context, d DatabaseFlags, opts store.Options) (*store.Store, error) {
	if d.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set: set it (or --database-url) to your Postgres, e.g. postgres://tabiji:secret@localhost:5432/tabiji")
	}
	st, err := store.OpenWith(ctx, d.DatabaseURL, opts)
	if err != nil {
		return nil, err
	}
	if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func (t TemporalFlags) tlsConfig() (*tls.Config, error) {
	if t.TLSCert == "" && t.TLSKey == "" && t.TLSCA == "" && t.APIKey == "" && t.TLSServerName == "" {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: t.TLSServerName, MinVersion: tls.VersionTLS12}
	if (t.TLSCert == "") != (t.TLSKey == "") {
		return nil, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both for mTLS, or neither")
	}
	if t.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(t.TLSCert, t.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if t.TLSCA != "" {
		pem, err := os.ReadFile(t.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("read TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA %s holds no PEM certificate", t.TLSCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// dialTemporal connects to Temporal and checks that it answers; every
// payload goes through codec (workers made from the client inherit it).
func dialTemporal(ctx context.Context, t TemporalFlags, log *slog.Logger, codec *payloadcodec.Codec, m *metrics.Metrics, tr *telemetry.Tracing) (client.Client, error) {
	if t.Address == "" {
		return nil, errors.New("TEMPORAL_ADDRESS is not set: set it (or --temporal-address) to your Temporal frontend, e.g. localhost:7233")
	}
	tlsCfg, err := t.tlsConfig()
	if err != nil {
		return nil, err
	}
	opts := client.Options{
		HostPort:          t.Address,
		Namespace:         t.Namespace,
		Logger:            sdklog.NewStructuredLogger(log),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsCfg},
		MetricsHandler:    m.Temporal(), // nil: the SDK's own, which records nothing
	}
	if t.Embedded {
		devtemporal.ConfigureClient(&opts)
	}
	codec.Configure(&opts)
	temporalheaders.Configure(&opts)                    // customer ids that are not ASCII
	if err := tr.ConfigureTemporal(&opts); err != nil { // nil: no interceptor at all
		return nil, err
	}
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %s): %w (is TEMPORAL_ADDRESS right?)", t.Address, t.Namespace, err)
	}
	return c, nil
}

// serveHTTP serves h on addr until ctx ends, then shuts down gracefully.
// ready, when not nil, receives the bound address once it listens.
func serveHTTP(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another process using it? pass --http-addr)", addr, err)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	srv := newHTTPServer(h, defaultTimeouts())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down HTTP: %w", err)
	}
	return nil
}

// httpTimeouts bound what a slow or idle client can hold: a connection that
// sends its headers or body slowly, reads its answer slowly, or sits idle.
// The streaming routes (profile import and export) lift the read and write
// deadlines for themselves (api.LongRequestTimeout).
type httpTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// defaultTimeouts are generous for any request but a stream, short for a
// client that holds a connection without using it.
func defaultTimeouts() httpTimeouts {
	return httpTimeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Write: 2 * time.Minute, Idle: 2 * time.Minute}
}

func newHTTPServer(h http.Handler, t httpTimeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
}
