package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// heartbeatsPerTimeout is how many heartbeats a long activity sends within
// its heartbeat timeout: Temporal's guidance is a timeout of a few
// heartbeat intervals, so late heartbeats (a loaded host, a history shard
// moving to another host after a crash) do not time out an attempt that is
// alive.
const heartbeatsPerTimeout = 6

// beatWhileRunning heartbeats from its own goroutine every
// 1/heartbeatsPerTimeout of the activity's heartbeat timeout until stop
// is called. The heartbeat then says the worker process is alive, however
// long one step takes (a provider call, bounded by its client's own
// timeout; a write of a thousand rows): an attempt whose worker died is
// retried within the heartbeat timeout, and a live one is never retried
// beside itself. Without a heartbeat timeout it does nothing.
func beatWhileRunning(ctx context.Context) (stop func()) {
	every := activity.GetInfo(ctx).HeartbeatTimeout / heartbeatsPerTimeout
	if every <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
