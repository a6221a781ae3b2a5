package cli

import (
	"context"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/tabiji/tabiji/api"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/linerelay"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/richmenus"
	"github.com/tabiji/tabiji/routing"
	"github.com/tabiji/tabiji/store"
)

// startSweeper runs the routing sweeper (unrouted events, event partitions
// ahead, trigger schedules, webhook receipts, LINE rich menus per segment)
// and the LINE webhook relay (through out) over the API's dependencies
// until the returned stop is called or ctx ends; stop waits for them.
func startSweeper(ctx context.Context, d api.Deps, out *outbound.Client) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	sw := routing.NewSweeper(routing.Deps{
		Store: d.Store, Temporal: d.Temporal, TaskQueue: d.TaskQueue, Logger: d.Logger, PayloadCodec: d.PayloadCodec, Metrics: d.Metrics, Changes: d.Changes,
	})
	if d.Channels != nil {
		menus := &richmenus.Syncer{Store: d.Store, LINE: d.Channels.LINE, Logger: d.Logger,
			Limit: rate.NewLimiter(richmenus.DefaultRate, 1)}
		sw.Jobs = append(sw.Jobs, routing.Job{Name: "LINE rich menus per segment", Run: menus.SyncAll})
	}
	go func() {
		defer func() { done <- struct{}{} }()
		sw.Run(ctx)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		if d.Channels != nil {
			relayer(d, out).Run(ctx, time.Second)
		}
	}()
	return func() { cancel(); <-done; <-done }
}

// relayer delivers the LINE webhook relays, signed with each workspace's
// channel secret.
func relayer(d api.Deps, out *outbound.Client) *linerelay.Relayer {
	secret := func(ctx context.Context, ws string) (string, error) {
		v, err := d.Channels.Settings(ctx, ws, "line")
		return v[settings.ChannelSecret], err
	}
	return &linerelay.Relayer{Store: d.Store, Secret: secret, Client: out, Logger: d.Logger}
}

// startChanges listens for the journey changes of every process
// (routing.Changes) until the returned stop is called or ctx ends; stop
// waits for it.
func startChanges(ctx context.Context, st *store.Store, log *slog.Logger) (*routing.Changes, func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	c := routing.NewChanges(st, log)
	go func() {
		defer close(done)
		c.Run(ctx)
	}()
	return c, func() { cancel(); <-done }
}
