package routing

import (
	"context"
	"time"
)

// TrimRecentCalls keeps the event debugger's table to the latest calls of
// each workspace (store.TrimRecentCalls) and says how many it deleted; Run
// calls it every sweep, so the table holds at most a sweep's worth of
// calls beyond store.RecentCallsKept a workspace.
func (w *Sweeper) TrimRecentCalls(ctx context.Context) (int64, error) {
	return w.r.Store.TrimRecentCalls(ctx, time.Now())
}

func (w *Sweeper) trimRecentCalls(ctx context.Context) {
	if n, err := w.TrimRecentCalls(ctx); err != nil && ctx.Err() == nil {
		w.r.Logger.Warn("trim the event debugger's calls", "deleted", n, "error", err)
	}
}
