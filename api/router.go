package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// journeyIndex caches, per workspace, the active journeys and the events
// each reacts to, so an event reaches Temporal only when some run can use it.
// Entries live for ttl; this process drops its own on activation.
type journeyIndex struct {
	store *store.Store
	ttl   time.Duration
	mu    sync.Mutex
	byWS  map[string]indexEntry
}

type indexEntry struct {
	loaded   time.Time
	journeys []activeJourney
}

type activeJourney struct {
	id         string
	version    int
	definition journey.Definition
	events     []string
}

func newJourneyIndex(st *store.Store, ttl time.Duration) *journeyIndex {
	return &journeyIndex{store: st, ttl: ttl, byWS: map[string]indexEntry{}}
}

func (x *journeyIndex) invalidate(workspaceID string) {
	x.mu.Lock()
	delete(x.byWS, workspaceID)
	x.mu.Unlock()
}

func (x *journeyIndex) active(ctx context.Context, workspaceID string) ([]activeJourney, error) {
	x.mu.Lock()
	e, ok := x.byWS[workspaceID]
	x.mu.Unlock()
	if ok && time.Since(e.loaded) < x.ttl {
		return e.journeys, nil
	}
	versions, err := x.store.ActiveJourneys(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("load active journeys: %w", err)
	}
	e = indexEntry{loaded: time.Now()}
	for _, v := range versions {
		var d journey.Definition
		if err := json.Unmarshal(v.Definition, &d); err != nil {
			return nil, fmt.Errorf("read journey %s v%d: %w", v.JourneyID, v.Version, err)
		}
		e.journeys = append(e.journeys, activeJourney{id: v.JourneyID, version: v.Version, definition: d, events: d.Events()})
	}
	x.mu.Lock()
	x.byWS[workspaceID] = e
	x.mu.Unlock()
	return e.journeys, nil
}

// route hands an event to every journey that uses it: the entry event
// enters the customer (SignalWithStart), any other event is signalled to the
// customer's run if one is going. It reports how many runs it reached.
func (s *server) route(ctx context.Context, workspaceID, customerID string, ev journey.Event) (int, error) {
	active, err := s.journeys.active(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	reached := 0
	for _, j := range active {
		if !slices.Contains(j.events, ev.Name) {
			continue
		}
		if j.definition.Entry.Event == ev.Name {
			_, err = workflows.EnterJourney(ctx, s.Temporal, s.TaskQueue, workflows.JourneyInput{
				WorkspaceID: workspaceID, JourneyID: j.id, Version: j.version, CustomerID: customerID,
				Definition: j.definition, Entry: ev,
			})
			if err != nil {
				return reached, err
			}
			reached++
			continue
		}
		ok, err := workflows.SignalEvent(ctx, s.Temporal, workspaceID, j.id, customerID, ev)
		if err != nil {
			return reached, err
		}
		if ok {
			reached++
		}
	}
	return reached, nil
}
