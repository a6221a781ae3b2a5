package cli

import (
	"context"
	"os"
	"time"

	"github.com/tabiji/tabiji/telemetry"
)

// startTracing sets rc.tracing from the standard OTEL_* variables (see
// docs/operations/observability.md): nil, and no cost, when they name no
// collector. The stop flushes the spans still buffered.
func startTracing(rc *runContext, service string) (func(), error) {
	t, err := telemetry.FromEnv(rc.ctx, os.Getenv, service)
	if err != nil {
		return nil, err
	}
	rc.tracing = t
	if t != nil {
		rc.log.Info("tracing exported over OTLP", "service", service)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(rc.ctx), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			rc.log.Warn("flush spans", "error", err)
		}
	}, nil
}

// tracingHelp is the part of api's, worker's and dev's --help that tells
// how tracing is configured: by OpenTelemetry's own variables, not flags.
const tracingHelp = `Traces: set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://otel-collector:4318) to export OpenTelemetry traces over OTLP; OTEL_EXPORTER_OTLP_PROTOCOL=grpc for gRPC, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and the other OTEL_* variables as usual; unset, nothing is traced. See docs/operations.md#traces.`

// Help is `tabiji api --help`'s detail.
func (a *APICmd) Help() string { return tracingHelp }

// Help is `tabiji worker --help`'s detail.
func (w *WorkerCmd) Help() string { return tracingHelp }

// Help is `tabiji dev --help`'s detail.
func (d *DevCmd) Help() string { return tracingHelp }
