package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// journeyIndex caches, per workspace, the journeys whose runs take events
// and the events each uses (entry, wait_for, exit criteria, goal, in every
// version that may still have runs), so an event reaches Temporal only when
// some run can use it. Entries live for ttl; this process drops its own on
// every lifecycle change.
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
	enters     bool // active: the entry event enters customers; paused: it does not
	definition journey.Definition
	filter     *journey.Condition // the entry filter, compiled; nil when none
	events     []string
	// goalWindows holds, per goal event of any of its versions, the widest
	// attribution window: how far back an ended run may be credited.
	goalWindows map[string]time.Duration
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
	routable, err := x.store.RoutableJourneys(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("load active journeys: %w", err)
	}
	e = indexEntry{loaded: time.Now()}
	for _, v := range routable {
		j, err := indexJourney(v)
		if err != nil {
			return nil, err
		}
		e.journeys = append(e.journeys, j)
	}
	x.mu.Lock()
	x.byWS[workspaceID] = e
	x.mu.Unlock()
	return e.journeys, nil
}

func indexJourney(v store.RoutableJourney) (activeJourney, error) {
	var d journey.Definition
	if err := json.Unmarshal(v.Definition, &d); err != nil {
		return activeJourney{}, fmt.Errorf("read journey %s v%d: %w", v.JourneyID, v.Version, err)
	}
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

// route hands an event to every journey that uses it: an entry event that
// passes the journey's filter enters the customer (SignalWithStart; one run
// per correlation key value), and every event is signalled to the
// customer's runs that are going; a goal event is also credited to the
// customer's runs that have ended, within the goal's window
// (attributeEnded). It reports how many running runs it reached.
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
		n, err := s.routeTo(ctx, j, workspaceID, customerID, ev)
		reached += n
		if err != nil {
			return reached, err
		}
	}
	// After the signals: a run that ended while this event was on its way
	// has recorded its exit by now, so it is credited here if not there.
	return reached, s.attributeEnded(ctx, active, workspaceID, customerID, ev)
}

func (s *server) routeTo(ctx context.Context, j activeJourney, workspaceID, customerID string, ev journey.Event) (int, error) {
	key := correlationValue(j.definition.Entry.CorrelationKey, ev)
	if j.enters && !j.definition.Entry.API && j.definition.Entry.Event == ev.Name {
		ok, err := s.passesFilter(ctx, j, workspaceID, customerID, ev)
		if err != nil || !ok {
			return 0, err
		}
		if j.definition.Entry.CorrelationKey != "" && key == "" {
			return 0, nil // an entry event without the key cannot name its run
		}
		run, err := workflows.EnterJourney(ctx, s.Temporal, s.TaskQueue, workflows.JourneyInput{
			WorkspaceID: workspaceID, JourneyID: j.id, Version: j.version, CustomerID: customerID,
			Definition: j.definition, Entry: ev, CorrelationKey: key,
		})
		if err != nil || run == nil {
			return 0, err
		}
		return 1, nil
	}
	if j.definition.Entry.CorrelationKey == "" || key != "" {
		return s.signalCustomerRun(ctx, workspaceID, j.id, customerID, key, ev)
	}
	return s.signalAllRuns(ctx, workspaceID, j.id, customerID, ev)
}

// signalCustomerRun hands the event to the customer's run of the journey. A run
// entered while the customer was anonymous keeps the anonymousId in its ID,
// so when the customer has no run under its own id, the runs of the ids
// merged into it are tried: a visitor who added to cart before signing in
// still exits on the purchase made after.
func (s *server) signalCustomerRun(ctx context.Context, workspaceID, journeyID, customerID, key string, ev journey.Event) (int, error) {
	ok, err := workflows.SignalEvent(ctx, s.Temporal, workflows.RunWorkflowID(workspaceID, journeyID, customerID, key), ev)
	if ok || err != nil {
		return boolCount(ok), err
	}
	p, err := s.Store.GetProfile(ctx, workspaceID, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("merged ids of %s: %w", customerID, err)
	}
	reached := 0
	for _, id := range p.AnonymousIDs {
		ok, err := workflows.SignalEvent(ctx, s.Temporal, workflows.RunWorkflowID(workspaceID, journeyID, id, key), ev)
		if err != nil {
			return reached, err
		}
		reached += boolCount(ok)
	}
	return reached, nil
}

func boolCount(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// passesFilter evaluates the entry filter, loading the profile only when
// the filter reads it.
func (s *server) passesFilter(ctx context.Context, j activeJourney, workspaceID, customerID string, ev journey.Event) (bool, error) {
	if j.filter == nil {
		return true, nil
	}
	profile := journey.Profile{ID: customerID}
	if strings.Contains(j.filter.Source, "profile") {
		p, err := s.Store.GetProfile(ctx, workspaceID, customerID)
		switch {
		case err == nil:
			profile = activities.ToJourneyProfile(p)
		case !errors.Is(err, store.ErrNotFound):
			return false, fmt.Errorf("load profile for the entry filter: %w", err)
		}
	}
	if !celBudget(ctx).Left() {
		return false, s.countEntryError(ctx, j, workspaceID, reasonRequestBudget)
	}
	ok, cost, err := j.filter.EvalContext(ctx, journey.Scope{
		Profile: profile, Event: ev, Entry: ev, Variables: j.definition.Variables, Now: time.Now(),
	})
	celBudget(ctx).Spend(cost)
	return s.filterVerdict(ctx, j, workspaceID, ok, err)
}

// filterVerdict turns an entry filter's result into entry or not. A filter
// that fails (a trait the customer lacks) enters nobody; one stopped by the
// CEL cost limit enters nobody and is counted in the journey's stats
// (entryErrors). A filter interrupted because the request ended is an error:
// the event stays unrouted, and the sweeper routes it again.
func (s *server) filterVerdict(ctx context.Context, j activeJourney, workspaceID string, ok bool, err error) (bool, error) {
	switch {
	case err == nil:
		return ok, nil
	case errors.Is(err, journey.ErrInterrupted):
		return false, fmt.Errorf("entry filter of journey %s: %w", j.id, cmp.Or(ctx.Err(), err))
	case errors.Is(err, journey.ErrCostLimit):
		return false, s.countEntryError(ctx, j, workspaceID, workflows.OutcomeCostLimit)
	}
	s.Logger.Warn("entry filter failed; the event enters nobody", "journey", j.id, "error", err)
	return false, nil
}

// countEntryError counts an event that enters nobody because the journey's
// entry filter could not be evaluated, for reason.
func (s *server) countEntryError(ctx context.Context, j activeJourney, workspaceID, reason string) error {
	s.Logger.Warn("entry filter not evaluated to the end; the event enters nobody", "workspace", workspaceID, "journey", j.id, "reason", reason)
	return s.Store.CountEntryError(ctx, workspaceID, j.id, j.version, reason, time.Now())
}

// signalAllRuns hands an event that lacks the correlation key to every
// running run of the customer in the journey (say, an unsubscribe that ends
// the runs of all carts), found through visibility.
func (s *server) signalAllRuns(ctx context.Context, workspaceID, journeyID, customerID string, ev journey.Event) (int, error) {
	q := fmt.Sprintf(`%s = %q AND %s = %q AND %s = %q AND ExecutionStatus = "Running"`,
		workflows.AttrWorkspace.GetName(), workspaceID, workflows.AttrJourney.GetName(), journeyID,
		workflows.AttrCustomer.GetName(), customerID)
	n := 0
	var token []byte
	for {
		// Every page, not the first: a customer may have more open carts
		// than a page holds, and each run must hear the event.
		resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 100, NextPageToken: token})
		if err != nil {
			return n, fmt.Errorf("list runs of %s in %s: %w", customerID, journeyID, err)
		}
		for _, e := range resp.GetExecutions() {
			ok, err := workflows.SignalEvent(ctx, s.Temporal, e.GetExecution().GetWorkflowId(), ev)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return n, nil
		}
	}
}

// correlationValue reads a path such as "properties.cart_id" from an event.
func correlationValue(path string, ev journey.Event) string {
	if path == "" {
		return ""
	}
	parts := strings.Split(path, ".")
	var cur any
	switch parts[0] {
	case "properties":
		cur = ev.Properties
	case "event", "name":
		return ev.Name
	default:
		cur = ev.Properties
		parts = append([]string{"properties"}, parts...)
	}
	for _, p := range parts[1:] {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	switch v := cur.(type) {
	case string:
		return v
	case float64, int, int64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

type enterRequest struct {
	UserID    string         `json:"userId"`
	MessageID string         `json:"messageId"` // dedupes a retried call; generated when empty
	Payload   map[string]any `json:"payload"`
}

// enterJourney enters a customer into a journey whose entry is "api": true,
// with the payload as the entry event's properties (and its correlation key
// read from there). Answers 202 with the run's workflow ID, or 200 with
// "entered": false when the re-entry rule keeps the customer out.
func (s *server) enterJourney(c *gin.Context) {
	var req enterRequest
	if !decodeJSON(c, 32<<10, &req, true) {
		return
	}
	if req.UserID = strings.TrimSpace(req.UserID); req.UserID == "" {
		invalid(c, "userId", "is required")
		return
	}
	ctx := c.Request.Context()
	j, err := s.Store.GetJourney(ctx, workspace(c), c.Param("id"))
	if s.journeyError(c, err) {
		return
	}
	var d journey.Definition
	if err := json.Unmarshal(j.Definition, &d); err != nil {
		s.fail(c, err)
		return
	}
	active, ok := s.apiEntry(c, j, d)
	if !ok {
		return
	}
	ev := journey.Event{MessageID: cmp.Or(req.MessageID, uuid.NewString()), Name: journey.APIEntryEvent, Properties: req.Payload, Timestamp: time.Now().UTC()}
	keyPath := active.definition.Entry.CorrelationKey
	key := correlationValue(keyPath, ev)
	if keyPath != "" && key == "" {
		invalid(c, "payload."+strings.TrimPrefix(keyPath, "properties."), "is required: it is the journey's correlation key")
		return
	}
	in := workflows.JourneyInput{
		WorkspaceID: workspace(c), JourneyID: j.ID, Version: active.version, CustomerID: req.UserID,
		Definition: active.definition, Entry: ev, CorrelationKey: key,
	}
	run, err := workflows.EnterJourney(ctx, s.Temporal, s.TaskQueue, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	if run == nil {
		c.JSON(http.StatusOK, gin.H{"entered": false, "reason": "the journey's re-entry rule keeps this customer out"})
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"entered": true, "workflowId": run.GetID(), "messageId": ev.MessageID})
}

// apiEntry finds the active version of a journey entered by API call,
// answering 409 when the journey is not active or not entered by API.
func (s *server) apiEntry(c *gin.Context, j store.Journey, latest journey.Definition) (activeJourney, bool) {
	if j.Status != store.JourneyActive {
		problem(c, http.StatusConflict, "journey "+j.ID+" is "+string(j.Status)+": only an active journey takes entries")
		return activeJourney{}, false
	}
	all, err := s.journeys.active(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return activeJourney{}, false
	}
	for _, a := range all {
		if a.id == j.ID && a.definition.Entry.API {
			return a, true
		}
	}
	problem(c, http.StatusConflict, "journey "+j.ID+" is entered by event "+latest.Entry.Event+`, not by API call ("entry": {"api": true})`)
	return activeJourney{}, false
}
