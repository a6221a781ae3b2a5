package api

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// routeTimeout bounds how long a call waits for Temporal before it answers
// 503, so clients retry instead of hanging while Temporal is down.
const routeTimeout = 5 * time.Second

// routeParallel is how many customers' events are routed at once.
const routeParallel = 8

// routeStored routes what InsertEvents stored, and the duplicates that an
// earlier attempt stored but could not route (a client's retry).
func (s *server) routeStored(ctx context.Context, workspaceID string, out []store.Inserted) error {
	var events []store.Event
	var dups []string
	stored := map[string]bool{}
	for _, o := range out {
		if o.Inserted {
			stored[o.Event.MessageID] = true
		}
	}
	for _, o := range out {
		switch {
		case o.Inserted && o.Event.RoutedAt == nil:
			events = append(events, o.Event)
		case !o.Inserted && !stored[o.Event.MessageID]: // not a repeat within this call
			dups = append(dups, o.Event.MessageID)
		}
	}
	if len(dups) > 0 {
		again, err := s.Store.UnroutedEventsByID(ctx, workspaceID, dups)
		if err != nil {
			return err
		}
		events = append(events, again...)
	}
	return s.routeEvents(ctx, events)
}

// journeyEvents is the set of event names that some journey of the
// workspace may take, from the same index routing uses.
func (s *server) journeyEvents(ctx context.Context, workspaceID string) (map[string]bool, error) {
	active, err := s.journeys.active(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, j := range active {
		for _, name := range j.events {
			used[name] = true
		}
	}
	return used, nil
}

// routeEvents hands events to the journeys that use them, one customer's in
// order and customers side by side, then marks routed, in one statement per
// workspace, those that reached every run. A customer whose event fails
// keeps its later events unrouted too, so that they never overtake it.
func (s *server) routeEvents(ctx context.Context, events []store.Event) error {
	type customer struct{ ws, id string }
	var order []customer
	byCustomer := map[customer][]store.Event{}
	for _, e := range events {
		k := customer{e.WorkspaceID, e.UserID}
		if _, ok := byCustomer[k]; !ok {
			order = append(order, k)
		}
		byCustomer[k] = append(byCustomer[k], e)
	}
	rctx, cancel := context.WithTimeout(ctx, routeTimeout)
	defer cancel()
	var mu sync.Mutex
	routed := map[string][]string{}
	var g errgroup.Group
	g.SetLimit(routeParallel)
	for _, k := range order {
		g.Go(func() error {
			for _, e := range byCustomer[k] {
				if err := s.routeOne(rctx, e); err != nil {
					return err
				}
				mu.Lock()
				routed[e.WorkspaceID] = append(routed[e.WorkspaceID], e.MessageID)
				mu.Unlock()
			}
			return nil
		})
	}
	routeErr := g.Wait()
	for ws, ids := range routed {
		if _, err := s.Store.MarkEventsRouted(ctx, ws, ids); err != nil {
			return errors.Join(routeErr, err)
		}
	}
	return routeErr
}

// routeOne signals one stored event to its journeys. Journeys react to
// track events; the other calls have nothing to route.
func (s *server) routeOne(ctx context.Context, e store.Event) error {
	if e.Type != "track" {
		return nil
	}
	var props map[string]any
	_ = json.Unmarshal(e.Properties, &props) // stored as a JSON object: it decodes
	_, err := s.route(ctx, e.WorkspaceID, e.UserID, journey.Event{
		MessageID: e.MessageID, Name: e.Name, Properties: props, Timestamp: e.Timestamp,
	})
	return err
}

// Sweeper routes again what a crash, or Temporal being down, left stored
// but unrouted (and the events that segment and date sweeps store), keeps
// the monthly partitions of events made ahead, and keeps the trigger
// schedules in step with the journeys.
// `tabiji api` and `tabiji dev` run one.
type Sweeper struct {
	s *server
	// Every is how often it looks for unrouted events.
	Every time.Duration
	// MinAge leaves alone events younger than this, which the call that
	// stored them is still routing.
	MinAge time.Duration
	// Batch is the most events one sweep routes.
	Batch int
}

// partitionsAhead is how many months of event partitions exist ahead of now.
const partitionsAhead = 3

// NewSweeper returns a sweeper over the API's dependencies.
func NewSweeper(d Deps) *Sweeper {
	return &Sweeper{s: newServer(d), Every: 5 * time.Second, MinAge: 2 * routeTimeout, Batch: 500}
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
			if n, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
				w.s.Logger.Warn("sweep unrouted events", "routed", n, "error", err)
			} else if n > 0 {
				w.s.Logger.Info("swept unrouted events", "routed", n)
			}
		}
	}
}

func (w *Sweeper) partitions(ctx context.Context) {
	if err := w.s.Store.EnsureEventPartitions(ctx, time.Now(), partitionsAhead); err != nil && ctx.Err() == nil {
		w.s.Logger.Error("create event partitions ahead", "error", err)
	}
}

// schedules makes every workspace's trigger schedules (segment sweeps,
// date triggers) match its active journeys: at start, so that a restart
// repairs what a failed lifecycle call left, and every scheduleSyncEvery.
func (w *Sweeper) schedules(ctx context.Context) {
	if err := w.s.syncAllTriggers(ctx); err != nil && ctx.Err() == nil {
		w.s.Logger.Warn("sync trigger schedules", "error", err)
	}
}

// Sweep routes up to Batch events stored more than MinAge ago and not yet
// routed, and says how many it found.
func (w *Sweeper) Sweep(ctx context.Context) (int, error) {
	events, err := w.s.Store.UnroutedEvents(ctx, time.Now().Add(-w.MinAge), w.Batch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	// A journey activated in another process a moment ago may be the one
	// these events are for (a trigger's first sweep runs at activation):
	// read the journeys afresh rather than from a cache up to ttl old.
	for _, e := range events {
		w.s.journeys.invalidate(e.WorkspaceID)
	}
	return len(events), w.s.routeEvents(ctx, events)
}
