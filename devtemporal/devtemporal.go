// Package devtemporal runs a Temporal server and its Web UI inside the current process, on
// SQLite, for `tabiji dev` and the end-to-end tests.
//
// Only the tabiji binary and tests/ import it: it links the whole Temporal server (a cold build
// takes minutes), so packages with fast unit tests must not.
package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/temporal"
)

// Options configures Start. The zero value runs an in-memory server on the default ports.
type Options struct {
	// DataDir holds the SQLite file temporal.db, created with its schema on first start and
	// reused after; one server at a time may use it. The file survives a process crash; a
	// power loss can drop the last transactions (WAL, synchronous=normal). "" keeps
	// everything in memory.
	DataDir string
	// FrontendAddress is the gRPC address, default "127.0.0.1:7233"; port 0 picks a free port.
	FrontendAddress string
	// UIAddress is the Web UI address, default "127.0.0.1:8233"; port 0 picks a free port;
	// "off" runs no UI.
	UIAddress string
	// Namespace is created when missing; default "default".
	Namespace string
	// SearchAttributes are custom search attributes: registered when the namespace is created
	// and added on every start when missing, so a data dir made by an older version gains new
	// ones.
	SearchAttributes map[string]enums.IndexedValueType
	// Logger receives the server's logs at Warn and above (it is very chatty below); nil
	// discards them.
	Logger *slog.Logger
	// CodecEndpoint is a codec server (the Temporal codec server protocol) the Web UI decodes
	// payloads through, sending the browser's cookies with each call; "" shows them encoded.
	CodecEndpoint string
	// CodecLogin is where a person logs in so that the codec server answers them: the Web UI
	// links to it when decoding fails.
	CodecLogin string
}

// Server is a running Temporal server, with its Web UI unless that was turned off.
type Server struct {
	frontend  string
	uiURL     string
	namespace string

	logLevel *slog.LevelVar
	unlock   func()
	temporal temporal.Server
	ui       *uiserver.Server
	uiDone   chan struct{}
	stopOnce sync.Once
}

// Default addresses of `temporal server start-dev`, so existing habits and tools keep working.
const (
	DefaultFrontendAddress = "127.0.0.1:7233"
	DefaultUIAddress       = "127.0.0.1:8233"
	DefaultNamespace       = "default"
	// UIOff as Options.UIAddress runs no Web UI.
	UIOff = "off"
)

// ErrPortInUse is wrapped by the error Start returns when an address it must bind is taken.
var ErrPortInUse = errors.New("port in use")

// Start runs the server and returns once the frontend answers, the namespace exists with all
// Options.SearchAttributes, and the UI (if any) serves. ctx bounds the wait; it does not stop
// the server once Start has returned: call Stop.
func Start(ctx context.Context, o Options) (*Server, error) {
	p, err := plan(o)
	if err != nil {
		return nil, err
	}
	s := &Server{frontend: p.frontend.dial(), namespace: p.namespace, logLevel: p.logLevel, unlock: p.unlock}
	if p.ui != nil {
		s.uiURL = "http://" + p.ui.dial()
	}
	if err := s.start(ctx, p); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// startTimeout bounds Start when ctx has no deadline: a server that has not answered by then
// is stuck.
const startTimeout = 2 * time.Minute

func (s *Server) start(ctx context.Context, p *startPlan) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	if p.ui != nil {
		s.launchUI(p)
	}
	ts, err := newTemporalServer(p)
	if err != nil {
		return err
	}
	if err := ts.Start(); err != nil {
		// Services that did start keep running until stopped.
		_ = ts.Stop()
		if errors.Is(err, syscall.EADDRINUSE) {
			return &portInUseError{port: p.frontend.port, hint: frontendPortHint}
		}
		return fmt.Errorf("devtemporal: start temporal server: %w", err)
	}
	s.temporal = ts
	if err := waitReady(ctx, p); err != nil {
		return err
	}
	if p.ui != nil {
		if err := s.waitUI(ctx); err != nil {
			return err
		}
	}
	s.logLevel.Set(levelRunning)
	return nil
}

// FrontendAddress returns the host:port the frontend listens on, in a form clients can dial
// (a wildcard bind is reported as the loopback address).
func (s *Server) FrontendAddress() string { return s.frontend }

// UIURL returns the Web UI's base URL, such as "http://127.0.0.1:8233", or "" without UI.
func (s *Server) UIURL() string { return s.uiURL }

// Namespace returns the namespace Start made sure exists.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the UI and the server and waits for both. It is safe to call more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.logLevel.Set(levelStopping)
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		if s.temporal != nil {
			_ = s.temporal.Stop()
		}
		s.unlock()
	})
}
