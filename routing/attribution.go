package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// A goal event is a conversion of every run of the customer whose goal
// window (from entry, the end included) holds the event's time, whether the
// run is still going or has ended. A run that is going credits it itself
// (the workflow's checkGoal); attributeEnded credits the ended ones, through
// the same store.RecordRun, keyed by run and goal event: a run that ends
// while the event is on its way, or an event routed twice (the sweeper),
// counts once.

// addGoal notes a version's goal event and window in the index entry. A
// goal without a window is credited only while the run is going: an
// unlimited window would credit every later purchase to every run the
// customer ever finished.
func (j *activeJourney) addGoal(g *journey.Goal) {
	if g == nil || g.Event == "" || g.Window <= 0 {
		return
	}
	if j.goalWindows == nil {
		j.goalWindows = map[string]time.Duration{}
	}
	j.goalWindows[g.Event] = max(j.goalWindows[g.Event], time.Duration(g.Window))
}

// attributeEnded records ev as a conversion of each ended run of the
// customer, in the routable journeys whose goal it is, whose window holds
// ev's time and whose goal match holds. One query reads the candidate runs
// of all those journeys.
func (r *Router) attributeEnded(ctx context.Context, active []activeJourney, workspaceID, customerID string, ev journey.Event) error {
	if ev.Timestamp.IsZero() || ev.MessageID == "" {
		return nil
	}
	var ids []string
	var widest time.Duration
	for _, j := range active {
		if w, ok := j.goalWindows[ev.Name]; ok {
			ids = append(ids, j.id)
			widest = max(widest, w)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	runs, err := r.Store.EndedRuns(ctx, workspaceID, customerID, ids, ev.Timestamp.Add(-widest), ev.Timestamp)
	if err != nil || len(runs) == 0 {
		return err
	}
	var profile *journey.Profile
	for _, run := range runs {
		var g journey.Goal
		if err := json.Unmarshal(run.Goal, &g); err != nil || g.Event != ev.Name || g.Window <= 0 ||
			ev.Timestamp.Before(run.EnteredAt) || ev.Timestamp.After(run.EnteredAt.Add(time.Duration(g.Window))) {
			continue
		}
		if g.Match != "" {
			if profile == nil && strings.Contains(g.Match, "profile") {
				p, err := r.goalProfile(ctx, workspaceID, customerID)
				if err != nil {
					return err
				}
				profile = &p
			}
			var entry journey.Event
			if strings.Contains(g.Match, "entry") {
				var found bool
				if entry, found, err = r.entryEvent(ctx, run); err != nil {
					return err
				} else if !found {
					r.Logger.Info("the ended run's entry event is gone from Temporal; its goal match is not evaluated", "run", run.RunKey)
					continue
				}
			}
			if !r.goalHolds(run, g.Match, profile, entry, customerID, ev) {
				continue
			}
		}
		err := r.Store.RecordRun(ctx, store.RunReport{
			WorkspaceID: workspaceID, RunKey: run.RunKey, JourneyID: run.JourneyID, Version: run.Version,
			CustomerID: run.CustomerID, WorkflowID: run.WorkflowID, EnteredAt: run.EnteredAt, Holdout: run.Holdout,
			Conversions: []store.RunConversion{{MessageID: ev.MessageID, At: ev.Timestamp, Revenue: journey.Revenue(ev.Properties)}},
		})
		if err != nil {
			return fmt.Errorf("attribute %s to ended run %s: %w", ev.MessageID, run.RunKey, err)
		}
	}
	return nil
}

// goalProfile loads the profile a goal match reads (empty when there is none).
func (r *Router) goalProfile(ctx context.Context, workspaceID, customerID string) (journey.Profile, error) {
	p, err := r.Store.GetProfile(ctx, workspaceID, customerID)
	switch {
	case err == nil:
		return store.ToJourneyProfile(p), nil
	case errors.Is(err, store.ErrNotFound):
		return journey.Profile{ID: customerID}, nil
	}
	return journey.Profile{}, fmt.Errorf("load profile for a goal match: %w", err)
}

// goalMatches caches compiled goal matches by source (compiling costs
// milliseconds; a workspace has few goals), up to goalMatchesCap of them:
// the sources are every workspace's, so past the cap a match is compiled
// each time rather than the cache growing without end.
var (
	goalMatches     sync.Map // source → *journey.Condition, or nil when it does not compile
	goalMatchesSize atomic.Int64
)

const goalMatchesCap = 1024

// goalMatch is the compiled goal match, nil when it does not compile.
func goalMatch(src string) *journey.Condition {
	if c, ok := goalMatches.Load(src); ok {
		cond, _ := c.(*journey.Condition)
		return cond
	}
	compiled, err := journey.Compile(src)
	if err != nil {
		compiled = nil
	}
	if goalMatchesSize.Load() < goalMatchesCap {
		if _, loaded := goalMatches.LoadOrStore(src, compiled); !loaded {
			goalMatchesSize.Add(1)
		}
	}
	return compiled
}

// goalHolds evaluates a goal match as the run's workflow does (journeyRun.holds):
// a condition that fails counts as false.
func (r *Router) goalHolds(run store.EndedRun, src string, profile *journey.Profile, entry journey.Event, customerID string, ev journey.Event) bool {
	cond := goalMatch(src)
	if cond == nil {
		return false
	}
	scope := journey.Scope{Profile: journey.Profile{ID: customerID}, Event: ev, Entry: entry, Now: ev.Timestamp}
	_ = json.Unmarshal(run.Variables, &scope.Variables) // stored from a valid definition
	if profile != nil {
		scope.Profile = *profile
	}
	ok, err := cond.Eval(scope)
	if err != nil {
		r.Logger.Warn("goal match failed; taken as false", "journey", run.JourneyID, "run", run.RunKey, "error", err)
		return false
	}
	return ok
}

// entryEvent reads an ended run's entry event, which only Temporal keeps:
// the input of the run's first execution (run key = workflow ID + "/" +
// first run ID). It reports false when Temporal no longer has the run
// (past the namespace's retention).
func (r *Router) entryEvent(ctx context.Context, run store.EndedRun) (journey.Event, bool, error) {
	runID := strings.TrimPrefix(run.RunKey, run.WorkflowID+"/")
	it := r.Temporal.GetWorkflowHistory(ctx, run.WorkflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return journey.Event{}, false, nil
	}
	first, err := it.Next()
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return journey.Event{}, false, nil
	}
	if err != nil {
		return journey.Event{}, false, fmt.Errorf("read the entry of run %s: %w", run.RunKey, err)
	}
	var in workflows.JourneyInput
	started := first.GetWorkflowExecutionStartedEventAttributes()
	if started == nil || r.historyConverter().FromPayloads(started.GetInput(), &in) != nil {
		return journey.Event{}, false, nil //nolint:nilerr // an entry it cannot read credits nothing, as a missing one
	}
	return in.Entry, true, nil
}
