package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// holds evaluates a CEL condition (empty: true) with ev as event. A
// condition that fails at run time (a missing trait) counts as false. One
// stopped for costing more than the CEL cost limit ends the run (a stopRun
// with OutcomeCostLimit, the field in the step's outcome): the limit is
// counted, not timed, so a replay stops at the same place.
func (r *journeyRun) holds(ctx workflow.Context, src string, ev journey.Event) (bool, error) {
	if src == "" {
		return true, nil
	}
	c, ok := r.conds[src]
	if !ok {
		return false, nil
	}
	ok, cost, err := c.EvalCost(journey.Scope{
		Profile: r.profile, Event: ev, Entry: r.in.Entry, Variables: r.def.Variables, Now: workflow.Now(ctx),
	})
	r.spend(ctx, cost)
	switch {
	case errors.Is(err, journey.ErrCostLimit):
		field := r.conditionField(src)
		workflow.GetLogger(ctx).Error("condition over the CEL cost limit; the run ends", "field", field)
		r.outcome(fmt.Sprintf("failed: %s costs more than the CEL cost limit (%d)", field, journey.CostLimit))
		return false, stopRun{OutcomeCostLimit}
	case err != nil:
		workflow.GetLogger(ctx).Warn("condition failed; taken as false", "condition", src, "error", err)
		return false, nil
	}
	return ok, nil
}

// yieldAfter is how many CEL cost units a run spends on conditions before
// it yields: one workflow task may take many pending events, each checked
// against several conditions, and Temporal's deadlock detector fails a task
// whose code runs a second without yielding.
const yieldAfter = journey.CostLimit / 2

// spend counts what a condition cost and, past yieldAfter since the last
// yield, yields to a coroutine of its own: that restarts the deadlock
// detector's clock without a command in the history, so replays are
// unchanged (and cheap conditions never get there).
func (r *journeyRun) spend(ctx workflow.Context, cost uint64) {
	if r.spent += cost; r.spent < yieldAfter {
		return
	}
	r.spent = 0
	done := workflow.NewChannel(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) { done.Send(ctx, true) })
	done.Receive(ctx, nil)
}

// outcomeUnless notes the step's outcome unless err, whose outcome holds
// noted already.
func (r *journeyRun) outcomeUnless(err error, s string) {
	if err == nil {
		r.outcome(s)
	}
}

// conditionField is the field of the definition a condition sits at.
func (r *journeyRun) conditionField(src string) string {
	for _, c := range r.def.Conditions() {
		if c.Source == src {
			return c.Field
		}
	}
	return "a condition"
}

// checkExitCondition ends the run when the exit criteria's condition on the
// profile holds.
func (r *journeyRun) checkExitCondition(ctx workflow.Context) error {
	x := r.def.ExitCriteria
	if x == nil || x.Condition == "" {
		return nil
	}
	if ok, err := r.holds(ctx, x.Condition, r.latestEvent()); ok || err != nil {
		r.outcomeUnless(err, "exit criteria: "+x.Condition)
		return cmp.Or(err, error(stopRun{OutcomeExitCriteria}))
	}
	return nil
}

// checkExitEventAt ends the run when ev is one of the exit criteria's events,
// or when the exit condition holds now that ev arrived.
func (r *journeyRun) checkExitEventAt(ctx workflow.Context, ev journey.Event) error {
	x := r.def.ExitCriteria
	if x == nil {
		return nil
	}
	for _, e := range x.Events {
		if e.Event != ev.Name {
			continue
		}
		if ok, err := r.holds(ctx, e.Match, ev); ok || err != nil {
			r.outcomeUnless(err, "exit criteria: "+ev.Name)
			return cmp.Or(err, error(stopRun{OutcomeExitCriteria}))
		}
	}
	if x.Condition == "" {
		return nil
	}
	if ok, err := r.holds(ctx, x.Condition, ev); ok || err != nil {
		r.outcomeUnless(err, "exit criteria: "+x.Condition)
		return cmp.Or(err, error(stopRun{OutcomeExitCriteria}))
	}
	return nil
}

// checkGoal records a conversion when ev is the goal event within the
// attribution window, and ends the run if the goal says so.
func (r *journeyRun) checkGoal(ctx workflow.Context, ev journey.Event) error {
	g := r.def.Goal
	if g == nil || (r.state.Goal != nil && !r.stats.on) || ev.Name != g.Event {
		return nil
	}
	if ok, err := r.holds(ctx, g.Match, ev); !ok || err != nil {
		return err
	}
	now := workflow.Now(ctx)
	if g.Window > 0 && now.After(r.state.StartedAt.Add(time.Duration(g.Window))) {
		return nil
	}
	r.stats.converted(ev, now)
	if r.state.Goal != nil { // a repeat purchase: counted, and nothing else changes
		return nil
	}
	r.state.Goal = &Conversion{Event: ev.Name, MessageID: ev.MessageID, At: now}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrConverted.ValueSet(true)); err != nil {
		return fmt.Errorf("record conversion: %w", err)
	}
	if g.ExitOnGoal {
		r.outcome("goal: " + ev.Name)
		return stopRun{OutcomeGoal}
	}
	return nil
}

// assignVariant picks a split's variant from a hash of workspace, journey,
// customer and node: the same customer gets the same variant every time,
// on every re-entry, with no randomness to record.
func assignVariant(workspaceID, journeyID, customerID string, n journey.Node) (name, next string) {
	total := 0
	for _, v := range n.Variants {
		total += v.Weight
	}
	if n.Control != nil {
		total += n.Control.Weight
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", workspaceID, journeyID, customerID, n.ID)
	pick := int(h.Sum64() % uint64(total)) //nolint:gosec // G115: less than total, an int
	for _, v := range n.Variants {
		if pick < v.Weight {
			return v.Name, v.Next
		}
		pick -= v.Weight
	}
	return journey.ControlVariant, n.Control.Next
}

// zone is the customer's time zone: the profile's, else the given one
// (quiet hours'), else the journey's, else UTC.
func (r *journeyRun) zone(preferred string) *time.Location {
	for _, name := range []string{r.profile.Timezone, preferred, r.def.Timezone} {
		if name == "" {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// needsProfile says whether a node reads the profile, so it is refreshed
// before the node runs.
func (r *journeyRun) needsProfile(n journey.Node) bool {
	if r.def.ExitCriteria != nil && r.def.ExitCriteria.Condition != "" {
		return true
	}
	switch n.Kind {
	case journey.KindSend:
		return !r.lean || r.def.QuietHours != nil || len(n.ChannelOrder()) > 1
	case journey.KindBranch, journey.KindWaitUntil, journey.KindWebhook:
		return true
	}
	return false
}

// loadProfile reads the customer's profile with a local activity: one
// marker in the history, no task-queue round trip.
func (r *journeyRun) loadProfile(ctx workflow.Context) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: 10 * time.Minute,
	})
	var res activities.ProfileResult
	if err := workflow.ExecuteLocalActivity(lctx, acts.LoadProfile, activities.ProfileInput{WorkspaceID: r.in.WorkspaceID, CustomerID: r.in.CustomerID}).Get(ctx, &res); err != nil {
		if ctx.Err() != nil {
			return err
		}
		// Postgres down for ten minutes: go on with the profile as last seen.
		workflow.GetLogger(ctx).Error("profile not refreshed", "error", err)
		return nil
	}
	r.profile = res.Profile
	r.profileRead = true
	return nil
}
