package cli

import (
	"fmt"
	"net"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/worker"
	"github.com/tabiji/tabiji/workflows"
)

// APICmd is `tabiji api`.
type APICmd struct {
	DatabaseFlags
	TemporalFlags
	HTTPAddr  string `name:"http-addr" env:"TABIJI_HTTP_ADDR" default:":8080" help:"Address the API listens on."`
	TaskQueue string `name:"task-queue" env:"TABIJI_TASK_QUEUE" default:"tabiji-journeys" help:"Temporal task queue of the journey worker."`
	WebUIURL  string `name:"temporal-ui-url" env:"TABIJI_TEMPORAL_UI_URL" help:"Public URL of the Temporal Web UI, for links to runs in API answers."`
}

// Run serves the API until SIGTERM.
func (a *APICmd) Run(rc *runContext) error {
	st, err := openStore(rc.ctx, a.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	tc, err := dialTemporal(rc.ctx, a.TemporalFlags, rc.sdkLog)
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := workflows.EnsureSearchAttributes(rc.ctx, tc, a.Namespace); err != nil {
		return err
	}
	h := api.NewServer(api.Deps{
		Store: st, Temporal: tc, Namespace: a.Namespace, TaskQueue: a.TaskQueue, WebUIURL: a.WebUIURL, Logger: rc.log,
	})
	return serveHTTP(rc.ctx, a.HTTPAddr, h, func(addr net.Addr) {
		rc.log.Info("API listening", "addr", addr.String())
	})
}

// WorkerCmd is `tabiji worker`.
type WorkerCmd struct {
	DatabaseFlags
	TemporalFlags
	TaskQueue string `name:"task-queue" env:"TABIJI_TASK_QUEUE" default:"tabiji-journeys" help:"Temporal task queue to poll."`
}

// Run polls the task queue until SIGTERM, then lets running activities end.
func (w *WorkerCmd) Run(rc *runContext) error {
	st, err := openStore(rc.ctx, w.DatabaseFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	tc, err := dialTemporal(rc.ctx, w.TemporalFlags, rc.sdkLog)
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := workflows.EnsureSearchAttributes(rc.ctx, tc, w.Namespace); err != nil {
		return err
	}
	wk := worker.New(tc, st, w.TaskQueue)
	if err := wk.Start(); err != nil {
		return fmt.Errorf("start worker on %s: %w", w.TaskQueue, err)
	}
	rc.log.Info("worker polling", "taskQueue", w.TaskQueue, "namespace", w.Namespace)
	<-rc.ctx.Done()
	wk.Stop()
	return nil
}

// MigrateCmd is `tabiji migrate`.
type MigrateCmd struct {
	DatabaseFlags
}

// Run applies pending migrations, each in its own transaction.
func (m *MigrateCmd) Run(rc *runContext) error {
	if m.DatabaseURL == "" {
		_, err := openStore(rc.ctx, m.DatabaseFlags)
		return err
	}
	_, err := store.Migrate(rc.ctx, m.DatabaseURL, rc.stdout)
	return err
}
