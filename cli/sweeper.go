package cli

import (
	"context"

	"github.com/tabiji/tabiji/api"
)

// startSweeper runs the API's sweeper (unrouted events, event partitions
// ahead) until the returned stop is called or ctx ends; stop waits for it.
func startSweeper(ctx context.Context, d api.Deps) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		api.NewSweeper(d).Run(ctx)
	}()
	return func() { cancel(); <-done }
}
