package routing

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/webcapture"
)

// routeTimeout bounds how long a call waits for Temporal before it answers
// 503, so clients retry instead of hanging while Temporal is down.
const routeTimeout = 5 * time.Second

// routeParallel is how many customers' events are routed at once.
const routeParallel = 8

// RouteStored routes what InsertEvents stored, and the duplicates that an
// earlier attempt stored but could not route (a client's retry).
func (r *Router) RouteStored(ctx context.Context, workspaceID string, out []store.Inserted) error {
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
		again, err := r.Store.UnroutedEventsByID(ctx, workspaceID, dups)
		if err != nil {
			return err
		}
		events = append(events, again...)
	}
	return r.routeEvents(ctx, events)
}

// UsedEvents is the set of event names that some journey of the
// workspace may take, from the same index routing uses, checked against
// the workspace's journey version first: the events it calls unused are
// stored as routed, so a journey activated through another process just
// before must not be missed.
func (r *Router) UsedEvents(ctx context.Context, workspaceID string) (map[string]bool, error) {
	if err := r.journeys.fresh(ctx, workspaceID); err != nil {
		return nil, err
	}
	active, err := r.journeys.active(ctx, workspaceID)
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

// routeEvents routes events (route), then marks routed, in one statement
// per workspace, those that reached every run.
func (r *Router) routeEvents(ctx context.Context, events []store.Event) error {
	routed, routeErr := r.route(ctx, events)
	for ws, ids := range routed {
		if _, err := r.Store.MarkEventsRouted(ctx, ws, ids); err != nil {
			return errors.Join(routeErr, err)
		}
	}
	return routeErr
}

// route hands events to the journeys that use them, one customer's in
// order and customers side by side, and reports by workspace those that
// reached every run. A customer whose event fails keeps its later events
// unrouted too, so that they never overtake it.
func (r *Router) route(ctx context.Context, events []store.Event) (map[string][]string, error) {
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
				if err := r.routeOne(rctx, e); err != nil {
					return err
				}
				r.Metrics.Routed(e.ReceivedAt)
				mu.Lock()
				routed[e.WorkspaceID] = append(routed[e.WorkspaceID], e.MessageID)
				mu.Unlock()
			}
			return nil
		})
	}
	return routed, g.Wait()
}

// routeOne signals one stored event to its journeys. Journeys react to
// track events; the other calls have nothing to route.
func (r *Router) routeOne(ctx context.Context, e store.Event) error {
	if e.Type != "track" {
		return nil
	}
	var props, context map[string]any
	_ = json.Unmarshal(e.Properties, &props) // stored as a JSON object: it decodes
	_ = json.Unmarshal(e.Context, &context)
	_, err := r.Route(ctx, e.WorkspaceID, e.UserID, journey.Event{
		MessageID: e.MessageID, Name: e.Name, Properties: props, Timestamp: e.Timestamp,
		Context: webcapture.JourneyContext(context),
	})
	return err
}
