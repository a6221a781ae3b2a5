package routing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/workflows"
)

// Route hands an event to every journey that uses it: an entry event that
// passes the journey's filter enters the customer (SignalWithStart; one run
// per correlation key value), and every event is signalled to the
// customer's runs that are going; a goal event is also credited to the
// customer's runs that have ended, within the goal's window
// (attributeEnded). It reports how many running runs it reached.
func (r *Router) Route(ctx context.Context, workspaceID, customerID string, ev journey.Event) (int, error) {
	active, err := r.journeys.active(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	reached := 0
	for _, j := range active {
		if !slices.Contains(j.events, ev.Name) {
			continue
		}
		n, err := r.routeTo(ctx, j, workspaceID, customerID, ev)
		reached += n
		if err != nil {
			return reached, err
		}
	}
	// After the signals: a run that ended while this event was on its way
	// has recorded its exit by now, so it is credited here if not there.
	return reached, r.attributeEnded(ctx, active, workspaceID, customerID, ev)
}

func (r *Router) routeTo(ctx context.Context, j activeJourney, workspaceID, customerID string, ev journey.Event) (int, error) {
	key := CorrelationValue(j.definition.Entry.CorrelationKey, ev)
	if j.enters && !j.definition.Entry.API && j.definition.Entry.Event == ev.Name {
		ok, err := r.passesFilter(ctx, j, workspaceID, customerID, ev)
		if err != nil || !ok {
			return 0, err
		}
		if j.definition.Entry.CorrelationKey != "" && key == "" {
			return 0, nil // an entry event without the key cannot name its run
		}
		run, err := workflows.EnterJourney(ctx, r.Temporal, r.TaskQueue, workflows.JourneyInput{
			WorkspaceID: workspaceID, JourneyID: j.id, Version: j.version, CustomerID: customerID,
			Definition: j.definition, Entry: ev, CorrelationKey: key,
		})
		if err != nil || run == nil {
			return 0, err
		}
		return 1, nil
	}
	if j.definition.Entry.CorrelationKey == "" || key != "" {
		return r.signalCustomerRun(ctx, workspaceID, j.id, customerID, key, ev)
	}
	return r.signalAllRuns(ctx, workspaceID, j.id, customerID, ev)
}

// signalCustomerRun hands the event to the customer's run of the journey. A run
// entered while the customer was anonymous keeps the anonymousId in its ID,
// so when the customer has no run under its own id, the runs of the ids
// merged into it are tried: a visitor who added to cart before signing in
// still exits on the purchase made after.
func (r *Router) signalCustomerRun(ctx context.Context, workspaceID, journeyID, customerID, key string, ev journey.Event) (int, error) {
	ok, err := workflows.SignalEvent(ctx, r.Temporal, workflows.RunWorkflowID(workspaceID, journeyID, customerID, key), ev)
	if ok || err != nil {
		return boolCount(ok), err
	}
	p, err := r.Store.GetProfile(ctx, workspaceID, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("merged ids of %s: %w", customerID, err)
	}
	reached := 0
	for _, id := range p.AnonymousIDs {
		ok, err := workflows.SignalEvent(ctx, r.Temporal, workflows.RunWorkflowID(workspaceID, journeyID, id, key), ev)
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
func (r *Router) passesFilter(ctx context.Context, j activeJourney, workspaceID, customerID string, ev journey.Event) (bool, error) {
	if j.filter == nil {
		return true, nil
	}
	profile := journey.Profile{ID: customerID}
	if strings.Contains(j.filter.Source, "profile") {
		p, err := r.Store.GetProfile(ctx, workspaceID, customerID)
		switch {
		case err == nil:
			profile = store.ToJourneyProfile(p)
		case !errors.Is(err, store.ErrNotFound):
			return false, fmt.Errorf("load profile for the entry filter: %w", err)
		}
	}
	if !Budget(ctx).Left() {
		return false, r.countEntryError(ctx, j, workspaceID, reasonRequestBudget)
	}
	ok, cost, err := j.filter.EvalContext(ctx, journey.Scope{
		Profile: profile, Event: ev, Entry: ev, Variables: j.definition.Variables, Now: time.Now(),
	})
	Budget(ctx).Spend(cost)
	return r.filterVerdict(ctx, j, workspaceID, ok, err)
}

// filterVerdict turns an entry filter's result into entry or not. A filter
// that fails (a trait the customer lacks) enters nobody; one stopped by the
// CEL cost limit enters nobody and is counted in the journey's stats
// (entryErrors). A filter interrupted because the request ended is an error:
// the event stays unrouted, and the sweeper routes it again.
func (r *Router) filterVerdict(ctx context.Context, j activeJourney, workspaceID string, ok bool, err error) (bool, error) {
	switch {
	case err == nil:
		return ok, nil
	case errors.Is(err, journey.ErrInterrupted):
		return false, fmt.Errorf("entry filter of journey %s: %w", j.id, cmp.Or(ctx.Err(), err))
	case errors.Is(err, journey.ErrCostLimit):
		return false, r.countEntryError(ctx, j, workspaceID, workflows.OutcomeCostLimit)
	}
	r.Logger.Warn("entry filter failed; the event enters nobody", "journey", j.id, "error", err)
	return false, nil
}

// countEntryError counts an event that enters nobody because the journey's
// entry filter could not be evaluated, for reason.
func (r *Router) countEntryError(ctx context.Context, j activeJourney, workspaceID, reason string) error {
	r.Logger.Warn("entry filter not evaluated to the end; the event enters nobody", "workspace", workspaceID, "journey", j.id, "reason", reason)
	return r.Store.CountEntryError(ctx, workspaceID, j.id, j.version, reason, time.Now())
}

// signalAllRuns hands an event that lacks the correlation key to every
// running run of the customer in the journey (say, an unsubscribe that ends
// the runs of all carts), found through visibility.
func (r *Router) signalAllRuns(ctx context.Context, workspaceID, journeyID, customerID string, ev journey.Event) (int, error) {
	q := fmt.Sprintf(`%s = %q AND %s = %q AND %s = %q AND ExecutionStatus = "Running"`,
		workflows.AttrWorkspace.GetName(), workspaceID, workflows.AttrJourney.GetName(), journeyID,
		workflows.AttrCustomer.GetName(), customerID)
	n := 0
	var token []byte
	for {
		// Every page, not the first: a customer may have more open carts
		// than a page holds, and each run must hear the event.
		resp, err := r.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 100, NextPageToken: token})
		if err != nil {
			return n, fmt.Errorf("list runs of %s in %s: %w", customerID, journeyID, err)
		}
		for _, e := range resp.GetExecutions() {
			ok, err := workflows.SignalEvent(ctx, r.Temporal, e.GetExecution().GetWorkflowId(), ev)
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

// CorrelationValue reads a path such as "properties.cart_id" from an event.
func CorrelationValue(path string, ev journey.Event) string {
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
