package routing

import (
	"context"
	"time"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// Sweeper routes again what a crash, or Temporal being down, left stored
// but unrouted (and the events that segment and date sweeps store), keeps
// the monthly partitions of events made ahead, and keeps the trigger
// schedules in step with the journeys.
// `tabiji api` and `tabiji dev` run one.
type Sweeper struct {
	r *Router
	// Every is how often it looks for unrouted events.
	Every time.Duration
	// MinAge leaves alone events younger than this, which the call that
	// stored them is still routing.
	MinAge time.Duration
	// Batch is the most events one sweep routes.
	Batch int
	// Jobs run after each sweep, in order (LINE rich menus per segment):
	// work that must be retried until done, as routing is. An error is
	// logged; the next sweep runs the job again.
	Jobs []Job
}

// Job is periodic work the sweeper runs beside routing.
type Job struct {
	Name string
	Run  func(context.Context) error
}

// partitionsAhead is how many months of event partitions exist ahead of now.
const partitionsAhead = 3

// NewSweeper returns a sweeper with its own Router over d.
func NewSweeper(d Deps) *Sweeper {
	return &Sweeper{r: New(d), Every: 5 * time.Second, MinAge: 2 * routeTimeout, Batch: 500}
}

// Run makes the event partitions ahead, then sweeps every Every (and
// checks the partitions daily) until ctx ends.
func (w *Sweeper) Run(ctx context.Context) {
	w.partitions(ctx)
	w.schedules(ctx)
	sweep := time.NewTicker(w.Every)
	defer sweep.Stop()
	daily := time.NewTicker(24 * time.Hour)
	defer daily.Stop()
	schedules := time.NewTicker(scheduleSyncEvery)
	defer schedules.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-daily.C:
			w.partitions(ctx)
		case <-schedules.C:
			w.schedules(ctx)
		case <-sweep.C:
			w.pruneReceipts(ctx)
			w.trimRecentCalls(ctx)
			if n, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
				w.r.Logger.Warn("sweep unrouted events", "routed", n, "error", err)
			} else if n > 0 {
				w.r.Logger.Info("swept unrouted events", "routed", n)
			}
			w.runJobs(ctx)
		}
	}
}

func (w *Sweeper) partitions(ctx context.Context) {
	if err := w.r.Store.EnsureEventPartitions(ctx, time.Now(), partitionsAhead); err != nil && ctx.Err() == nil {
		w.r.Logger.Error("create event partitions ahead", "error", err)
	}
}

// schedules makes every workspace's trigger schedules (segment sweeps,
// date triggers) match its active journeys, and makes the retention
// schedule when it is missing: at start, so that a restart repairs what a
// failed lifecycle call left, and every scheduleSyncEvery.
func (w *Sweeper) schedules(ctx context.Context) {
	if err := w.r.SyncAllTriggers(ctx); err != nil && ctx.Err() == nil {
		w.r.Logger.Warn("sync trigger schedules", "error", err)
	}
	if w.r.Temporal == nil {
		return
	}
	if err := workflows.EnsureRetentionSchedule(ctx, w.r.Temporal, w.r.TaskQueue); err != nil && ctx.Err() == nil {
		w.r.Logger.Warn("create the retention schedule", "error", err)
	}
}

// Sweep routes up to Batch events stored more than MinAge ago and not yet
// routed, and says how many it found. It claims them first (SKIP LOCKED):
// the sweepers of several API processes split the events between them, so
// none is routed by two at once.
func (w *Sweeper) Sweep(ctx context.Context) (int, error) {
	return w.r.Store.ClaimUnroutedEvents(ctx, time.Now().Add(-w.MinAge), w.Batch,
		func(ctx context.Context, events []store.Event) (map[string][]string, error) {
			// A journey activated in another process a moment ago may be the
			// one these events are for (a trigger's first sweep runs at
			// activation): read the journeys afresh, not from the cache.
			for _, e := range events {
				w.r.journeys.invalidate(e.WorkspaceID)
			}
			return w.r.route(ctx, events)
		})
}

// runJobs runs the jobs once, logging their errors.
func (w *Sweeper) runJobs(ctx context.Context) {
	for _, j := range w.Jobs {
		if err := j.Run(ctx); err != nil && ctx.Err() == nil {
			w.r.Logger.Warn("sweeper job failed; the next sweep runs it again", "job", j.Name, "error", err)
		}
	}
}
