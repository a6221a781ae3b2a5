package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/journey"
)

// seenLimit bounds how many event message IDs a run remembers to drop
// duplicates: enough for any retry storm, small enough for the state.
const seenLimit = 500

// stepLimit bounds the steps and path a run keeps in its state (the oldest
// go first), so a journey that loops for a year stays small.
const stepLimit = 500

// OutcomeCancelled is the outcome of a run cancelled from outside.
const OutcomeCancelled = "cancelled"

// Journey interprets a journey definition for one customer: it walks the
// nodes from the start, waits on timers and events, sends messages through
// activities, and ends at an exit node, or earlier by a journey rule.
func Journey(ctx workflow.Context, in JourneyInput) (JourneyResult, error) {
	r := &journeyRun{in: in, def: in.Definition}
	if err := r.setup(ctx); err != nil {
		return JourneyResult{}, err
	}
	return r.run(ctx)
}

// journeyRun is the state of one run.
type journeyRun struct {
	in         JourneyInput
	def        journey.Definition // the version the run is on (a migration changes it)
	conds      map[string]*journey.Condition
	state      State
	profile    journey.Profile
	enteredAt  time.Time // when the current node was entered
	signals    signals
	pending    []journey.Event // events carried over from the previous run
	seen       map[string]bool
	order      []string // seen message IDs, oldest first
	visits     map[string]int
	historyCap int
	stats      runStats
	spent      uint64 // CEL cost units spent since the run last yielded (spend)
	// lean runs (started at leanVersion) show their step in the search
	// attributes only when they wait or end (showStep), the last step and
	// the outcome in one upsert, and read the profile in the Send activity
	// when the workflow itself does not need it (needsProfile).
	lean bool
	// shape is the run-stats version the run is on (JourneyInput.Shape).
	shape workflow.Version
	// shown is the step the search attributes show (lean runs).
	shown string
	// profileRead: the current step read the profile (step resets it).
	profileRead bool
}

// Control-flow outcomes of a step, never returned to Temporal.
type (
	// stopRun ends the run with an outcome (exit criteria, goal, archive).
	stopRun struct{ outcome string }
	// migrated restarts the current node in the new version.
	migrated struct{}
	// continueAsNew hands the run on at the current node.
	continueAsNew struct{}
)

func (s stopRun) Error() string     { return "run stops: " + s.outcome }
func (migrated) Error() string      { return "run migrated" }
func (continueAsNew) Error() string { return "run continues as new" }

func (r *journeyRun) setup(ctx workflow.Context) error {
	conds, err := r.def.CompileConditions()
	if err != nil {
		return temporal.NewNonRetryableApplicationError("compile conditions: "+err.Error(), "DefinitionError", err)
	}
	r.conds = conds
	r.historyCap = r.in.HistoryLimit
	if r.historyCap <= 0 {
		r.historyCap = DefaultHistoryLimit
	}
	r.signals = newSignals(ctx)
	r.seen, r.visits = map[string]bool{}, map[string]int{}
	if c := r.in.Carry; c != nil {
		r.restore(c)
	} else {
		r.state = State{
			WorkspaceID: r.in.WorkspaceID, JourneyID: r.in.JourneyID, Version: r.in.Version,
			CustomerID: r.in.CustomerID, Status: StatusRunning, Entry: r.in.Entry, Steps: []Step{}, Path: []string{},
			CorrelationKey: r.in.CorrelationKey, StartedAt: workflow.Now(ctx),
			Holdout: r.def.Holdout != nil && experiment.InHoldout(r.def.Holdout.Percent, r.in.WorkspaceID, r.in.JourneyID, r.in.CustomerID),
		}
		r.remember(r.in.Entry.MessageID)
		r.metrics(ctx).Counter(MetricRunsEntered).Inc(1)
	}
	r.stats.init(ctx, r)
	if r.in.Carry != nil {
		r.shown = r.state.Node // the run before showed it, and this one resumes there
	} else if v, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(AttrStep); ok {
		r.shown = v // EnterJourney starts the run showing its start node
	}
	if err := workflow.SetQueryHandler(ctx, StateQuery, func() (State, error) { return r.state, nil }); err != nil {
		return fmt.Errorf("set state query: %w", err)
	}
	// The profile is read before the first node that needs it, not here: a
	// journey that starts with a wait has its timer set in the first task.
	r.profile = journey.Profile{ID: r.in.CustomerID}
	if c := r.in.Carry; c != nil {
		r.profile = c.Profile
	}
	return nil
}

func (r *journeyRun) restore(c *Carry) {
	r.state, r.enteredAt, r.pending = c.State, c.EnteredAt, c.Pending
	r.def = r.in.Definition
	for k, v := range c.Visits {
		r.visits[k] = v
	}
	for _, id := range c.Seen {
		r.remember(id)
	}
}

func (r *journeyRun) run(ctx workflow.Context) (JourneyResult, error) {
	id, resumed := r.def.StartNode(), false
	if r.in.Carry != nil {
		id, resumed = r.state.Node, true
	}
	for {
		node, ok := r.def.Node(id)
		if !ok {
			return JourneyResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("journey %s v%d has no node %q", r.in.JourneyID, r.state.Version, id), "DefinitionError", nil)
		}
		if !resumed {
			if err := r.enter(ctx, node); err != nil {
				return JourneyResult{}, err
			}
		}
		next, err := r.step(ctx, node)
		var stop stopRun
		switch {
		case temporal.IsCanceledError(err) || ctx.Err() != nil:
			return r.cancelled(ctx)
		case errors.As(err, &stop):
			return r.finish(ctx, stop.outcome)
		case errors.As(err, new(migrated)):
			if err := workflow.UpsertTypedSearchAttributes(ctx, AttrVersion.ValueSet(int64(r.state.Version))); err != nil {
				return JourneyResult{}, fmt.Errorf("record version: %w", err)
			}
			id, resumed = r.state.Node, true
			continue
		case errors.As(err, new(continueAsNew)):
			var stop stopRun
			if errors.As(r.drainControl(), &stop) {
				return r.finish(ctx, stop.outcome)
			}
			return JourneyResult{}, r.continueAsNew(ctx)
		case err != nil:
			return JourneyResult{}, err
		}
		if next == "" {
			return r.finish(ctx, node.ID)
		}
		r.stats.left(next)
		id, resumed = next, false
	}
}

// step checks the rules that hold at every step, then carries out the node.
func (r *journeyRun) step(ctx workflow.Context, n journey.Node) (string, error) {
	r.profileRead = false
	if r.needsProfile(n) {
		if err := r.loadProfile(ctx); err != nil {
			return "", err
		}
	}
	if err := r.checkExitCondition(ctx); err != nil {
		return "", err
	}
	return r.exec(ctx, n)
}

// enter records that the run reached a node and shows it in the Web UI.
func (r *journeyRun) enter(ctx workflow.Context, n journey.Node) error {
	r.visits[n.ID]++
	r.enteredAt = workflow.Now(ctx)
	r.state.Node, r.state.Kind = n.ID, n.Kind
	r.state.WaitingUntil, r.state.WaitingFor = nil, nil
	r.state.Steps = appendCapped(r.state.Steps, Step{Node: n.ID, Kind: n.Kind, EnteredAt: r.enteredAt})
	r.state.Path = appendCapped(r.state.Path, n.ID)
	r.stats.entered(n, r.enteredAt)
	if r.lean {
		return nil // shown when the run waits or ends (showStep)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrStep.ValueSet(n.ID)); err != nil {
		return fmt.Errorf("record step %s: %w", n.ID, err)
	}
	return nil
}

// showStep brings the search attributes up to the run's step before a lean
// run waits (on a timer, a signal or an activity), with more, when given,
// in the same upsert: a run that walks several nodes in one workflow task
// upserts once, where the Web UI can see it. Older runs upserted at each
// node (enter) and upsert only more here.
func (r *journeyRun) showStep(ctx workflow.Context, more ...temporal.SearchAttributeUpdate) error {
	if r.lean && r.state.Node != "" && r.state.Node != r.shown {
		more = append(more, AttrStep.ValueSet(r.state.Node))
		r.shown = r.state.Node
	}
	if len(more) == 0 {
		return nil
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, more...); err != nil {
		return fmt.Errorf("record step %s: %w", r.state.Node, err)
	}
	return nil
}

func appendCapped[T any](s []T, v T) []T {
	s = append(s, v)
	if len(s) > stepLimit {
		s = s[len(s)-stepLimit:]
	}
	return s
}

// outcome notes how the current step ended.
func (r *journeyRun) outcome(s string) {
	if len(r.state.Steps) > 0 {
		r.state.Steps[len(r.state.Steps)-1].Outcome = s
	}
}

// cancelled records the outcome of a run cancelled from outside, then ends
// it as Canceled, as asked.
func (r *journeyRun) cancelled(ctx workflow.Context) (JourneyResult, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	res, err := r.finish(dctx, OutcomeCancelled)
	if err != nil {
		return res, err
	}
	return res, temporal.NewCanceledError()
}

func (r *journeyRun) finish(ctx workflow.Context, outcome string) (JourneyResult, error) {
	r.state.Status, r.state.Outcome = StatusCompleted, outcome
	r.state.WaitingUntil, r.state.WaitingFor = nil, nil
	if err := r.showStep(ctx, AttrOutcome.ValueSet(outcome)); err != nil {
		return JourneyResult{}, fmt.Errorf("record outcome: %w", err)
	}
	r.stats.left("")
	r.stats.exited(outcome, workflow.Now(ctx))
	r.stats.flush(ctx, true)
	r.metrics(ctx).WithTags(map[string]string{"outcome": outcomeLabel(outcome)}).Counter(MetricRunsEnded).Inc(1)
	return JourneyResult{Outcome: outcome, Path: r.state.Path}, nil
}

// continueAsNew hands the run on, at the node it is at, with everything it
// has seen and decided, and with the signals not yet handled.
func (r *journeyRun) continueAsNew(ctx workflow.Context) error {
	if err := r.showStep(ctx); err != nil {
		return err
	}
	r.stats.flush(ctx, true)
	next := r.in
	next.Definition, next.Version = r.def, r.state.Version
	if r.shape > 0 {
		next.Shape = int(r.shape) // the continuation needs no version marker either
	}
	next.Carry = &Carry{
		State: r.state, EnteredAt: r.enteredAt, Visits: r.visits, Seen: r.order,
		Pending: append(r.pending, r.signals.drainEvents()...), Profile: r.profile,
		StatsSeq: r.stats.seq, EntryVersion: r.stats.pending.Version,
	}
	return workflow.NewContinueAsNewError(ctx, Journey, next)
}
