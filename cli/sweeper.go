package cli

import (
	"context"

	"golang.org/x/time/rate"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/richmenus"
	"github.com/tabiji/tabiji/routing"
)

// startSweeper runs the routing sweeper (unrouted events, event partitions
// ahead, trigger schedules, webhook receipts, LINE rich menus per segment) over the API's dependencies
// until the returned stop is called or ctx ends; stop waits for it.
func startSweeper(ctx context.Context, d api.Deps) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	sw := routing.NewSweeper(routing.Deps{
		Store: d.Store, Temporal: d.Temporal, TaskQueue: d.TaskQueue, Logger: d.Logger, PayloadCodec: d.PayloadCodec, Metrics: d.Metrics,
	})
	if d.Channels != nil {
		menus := &richmenus.Syncer{Store: d.Store, LINE: d.Channels.LINE, Logger: d.Logger,
			Limit: rate.NewLimiter(richmenus.DefaultRate, 1)}
		sw.Jobs = append(sw.Jobs, routing.Job{Name: "LINE rich menus per segment", Run: menus.SyncAll})
	}
	go func() {
		defer close(done)
		sw.Run(ctx)
	}()
	return func() { cancel(); <-done }
}
