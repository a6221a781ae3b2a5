package routing

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tabiji/tabiji/store"
)

// Changes brings every process the journey changes made in any of them: a
// journey activated, paused, resumed or archived through one API reaches the
// others' journey indexes as soon as it commits (Postgres NOTIFY from the
// journeys tables' triggers, store.ListenJourneyChanges), not after a
// cache's lifetime. While it is not listening (at start, after its
// connection broke) the indexes that follow it cache nothing, so no event
// is judged by a stale index; once it listens again they are dropped whole.
type Changes struct {
	store *store.Store
	log   *slog.Logger
	live  atomic.Bool
	mu    sync.Mutex
	subs  []func(workspaceID string)
}

// relistenEvery is how long Run waits before listening again after its
// connection failed.
const relistenEvery = time.Second

// NewChanges returns Changes over st, not yet listening (see Run).
func NewChanges(st *store.Store, log *slog.Logger) *Changes {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Changes{store: st, log: log}
}

// OnChange calls fn with the workspace id of every change heard, and with
// "" (every workspace) each time listening starts.
func (c *Changes) OnChange(fn func(workspaceID string)) {
	c.mu.Lock()
	c.subs = append(c.subs, fn)
	c.mu.Unlock()
}

// Live reports whether changes are being heard: caching is safe.
func (c *Changes) Live() bool { return c != nil && c.live.Load() }

func (c *Changes) tell(workspaceID string) {
	c.mu.Lock()
	subs := c.subs
	c.mu.Unlock()
	for _, fn := range subs {
		fn(workspaceID)
	}
}

// Run listens until ctx ends, listening again after a failure.
func (c *Changes) Run(ctx context.Context) {
	for {
		err := c.store.ListenJourneyChanges(ctx, func() {
			c.tell("") // what changed while nobody listened is unknown
			c.live.Store(true)
		}, c.tell)
		c.live.Store(false)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("journey changes are not heard; routing reads journeys afresh for every event until they are", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(relistenEvery):
		}
	}
}
