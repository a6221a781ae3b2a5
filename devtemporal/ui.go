package devtemporal

import (
	"context"
	"fmt"
	"net/http"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// launchUI starts serving the Web UI (its built assets are embedded in the ui-server module)
// in the background; waitUI waits until it answers. The UI reaches the frontend lazily, so it
// can start first.
//
// The ui-server's Start blocks, and on a listen error it calls echo's Logger.Fatal, which
// exits the process. planPorts checked the port is free just before, which turns the usual
// cause (another UI on the port) into an error from Start; only a port taken in the
// milliseconds between that check and this bind is left to the library.
func (s *Server) launchUI(p *startPlan) {
	ui := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                p.ui.ip,
		Port:                p.ui.port,
		TemporalGRPCAddress: p.frontend.dial(),
		EnableUI:            true,
		DefaultNamespace:    p.namespace,
		// The UI is served over plain HTTP on this machine.
		CORS:             uiconfig.CORS{CookieInsecure: true},
		HideLogs:         true,
		DisableNewsFetch: true,
		// The codec server answers people logged in to its console: the browser sends
		// their session cookie (PassAccessToken needs https and the UI's own login).
		Codec: uiconfig.Codec{Endpoint: p.codecEndpoint, IncludeCredentials: p.codecEndpoint != "",
			DefaultErrorMessage: codecErrorMessage(p.codecLogin), DefaultErrorLink: p.codecLogin},
	}))
	s.ui = ui
	s.uiDone = make(chan struct{})
	go func() {
		defer close(s.uiDone)
		_ = ui.Start() // returns nil once Stop closes it
	}()
}

// codecErrorMessage is what the Web UI says when the codec server refuses to decode.
func codecErrorMessage(login string) string {
	if login == "" {
		return ""
	}
	return "Payloads are encrypted: log in to the Tabiji console to see them decoded"
}

func (s *Server) waitUI(ctx context.Context) error {
	health := s.uiURL + "/healthz"
	err := poll(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", health, resp.Status)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("devtemporal: wait for the Web UI at %s: %w", s.uiURL, err)
	}
	return nil
}
