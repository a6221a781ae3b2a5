package routing

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// journeyIndex caches, per workspace, the journeys whose runs take events
// and the events each uses (entry, wait_for, exit criteria, goal, in every
// version that may still have runs), so an event reaches Temporal only when
// some run can use it. Entries live for ttl; this process drops its own on
// every lifecycle change, and with changes every process drops them when
// any process's change commits (changes.go).
type journeyIndex struct {
	store *store.Store
	ttl   time.Duration
	// changes, when set, tells of every process's changes; while it does
	// not hear them nothing is cached.
	changes *Changes
	mu      sync.Mutex
	byWS    map[string]indexEntry
	// gen counts invalidations: a load that one overtook is not cached,
	// since it may have read the journeys before the change.
	gen uint64
}

type indexEntry struct {
	loaded   time.Time
	version  int64 // the workspace's journey version, read before the journeys
	journeys []activeJourney
}

type activeJourney struct {
	id         string
	version    int
	enters     bool // active: the entry event enters customers; paused: it does not
	definition journey.Definition
	filter     *journey.Condition // the entry filter, compiled; nil when none
	events     []string
	// goalWindows holds, per goal event of any of its versions, the widest
	// attribution window: how far back an ended run may be credited.
	goalWindows map[string]time.Duration
}

func newJourneyIndex(st *store.Store, ttl time.Duration, changes *Changes) *journeyIndex {
	x := &journeyIndex{store: st, ttl: ttl, changes: changes, byWS: map[string]indexEntry{}}
	if changes != nil {
		changes.OnChange(x.invalidate)
	}
	return x
}

// invalidate drops the workspace's entry ("": every entry).
func (x *journeyIndex) invalidate(workspaceID string) {
	x.mu.Lock()
	x.gen++
	if workspaceID == "" {
		clear(x.byWS)
	} else {
		delete(x.byWS, workspaceID)
	}
	x.mu.Unlock()
}

// fresh drops the workspace's entry when its journey version moved since
// the entry was loaded: a change committed before this call began is seen
// by it, even when its notification has not arrived yet. One primary-key
// lookup; ingestion calls it once per call, before judging its events.
func (x *journeyIndex) fresh(ctx context.Context, workspaceID string) error {
	v, err := x.store.JourneyVersion(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("check the journeys: %w", err)
	}
	x.mu.Lock()
	if e, ok := x.byWS[workspaceID]; ok && e.version != v {
		delete(x.byWS, workspaceID)
		x.gen++
	}
	x.mu.Unlock()
	return nil
}

// trusted reports whether cached entries can be used: without changes the
// ttl bounds them; with changes they hold only while changes are heard.
func (x *journeyIndex) trusted() bool { return x.changes == nil || x.changes.Live() }

func (x *journeyIndex) active(ctx context.Context, workspaceID string) ([]activeJourney, error) {
	x.mu.Lock()
	e, ok := x.byWS[workspaceID]
	gen := x.gen
	x.mu.Unlock()
	if ok && time.Since(e.loaded) < x.ttl && x.trusted() {
		return e.journeys, nil
	}
	version, err := x.store.JourneyVersion(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("load active journeys: %w", err)
	}
	routable, err := x.store.RoutableJourneys(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("load active journeys: %w", err)
	}
	e = indexEntry{loaded: time.Now(), version: version}
	for _, v := range routable {
		j, err := indexJourney(v)
		if err != nil {
			return nil, err
		}
		e.journeys = append(e.journeys, j)
	}
	x.mu.Lock()
	if x.gen == gen && x.trusted() {
		x.byWS[workspaceID] = e
	}
	x.mu.Unlock()
	return e.journeys, nil
}

func indexJourney(v store.RoutableJourney) (activeJourney, error) {
	var d journey.Definition
	if err := json.Unmarshal(v.Definition, &d); err != nil {
		return activeJourney{}, fmt.Errorf("read journey %s v%d: %w", v.JourneyID, v.Version, err)
	}
	// A journey that names no zone runs in the workspace's: its runs (wait
	// until, quiet hours, date triggers) take the zone with the definition.
	d.Timezone = cmp.Or(d.Timezone, v.WorkspaceTimezone)
	j := activeJourney{id: v.JourneyID, version: v.Version, enters: v.Status == store.JourneyActive, definition: d, events: d.Events()}
	j.addGoal(d.Goal)
	for _, raw := range v.Older {
		var old journey.Definition
		if json.Unmarshal(raw, &old) == nil {
			j.addGoal(old.Goal)
			for _, name := range old.Events() {
				if !slices.Contains(j.events, name) {
					j.events = append(j.events, name)
				}
			}
		}
	}
	if d.Entry.Filter != "" {
		c, err := journey.Compile(d.Entry.Filter)
		if err != nil {
			return activeJourney{}, fmt.Errorf("compile entry filter of journey %s v%d: %w", v.JourneyID, v.Version, err)
		}
		j.filter = c
	}
	return j, nil
}

// APIEntry is the routable version of a journey entered by API call.
type APIEntry struct {
	Version    int
	Definition journey.Definition
}

// APIEntry finds the version of journeyID that takes API entries; false
// when no routable version of it is entered by API call.
func (r *Router) APIEntry(ctx context.Context, workspaceID, journeyID string) (APIEntry, bool, error) {
	if err := r.journeys.fresh(ctx, workspaceID); err != nil {
		return APIEntry{}, false, err
	}
	all, err := r.journeys.active(ctx, workspaceID)
	if err != nil {
		return APIEntry{}, false, err
	}
	for _, a := range all {
		if a.id == journeyID && a.definition.Entry.API {
			return APIEntry{Version: a.version, Definition: a.definition}, true, nil
		}
	}
	return APIEntry{}, false, nil
}
