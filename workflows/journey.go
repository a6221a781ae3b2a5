package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// seenLimit bounds how many event message IDs a run remembers to drop
// duplicates: enough for any retry storm, small enough for the state.
const seenLimit = 500

// OutcomeCancelled is the outcome of a run cancelled from outside.
const OutcomeCancelled = "cancelled"

// Journey interprets a journey definition for one customer: it walks the
// nodes from the start, waits on timers and events, sends messages through
// activities, and ends at an exit node.
func Journey(ctx workflow.Context, in JourneyInput) (JourneyResult, error) {
	r := &journeyRun{in: in}
	if err := r.setup(ctx); err != nil {
		return JourneyResult{}, err
	}
	return r.run(ctx)
}

// journeyRun is the state of one run.
type journeyRun struct {
	in     JourneyInput
	state  State
	events workflow.ReceiveChannel
	seen   map[string]bool
	order  []string // seen message IDs, oldest first
	visits map[string]int
}

func (r *journeyRun) setup(ctx workflow.Context) error {
	r.state = State{
		WorkspaceID: r.in.WorkspaceID, JourneyID: r.in.JourneyID, Version: r.in.Version,
		CustomerID: r.in.CustomerID, Status: StatusRunning, Entry: r.in.Entry, Steps: []Step{},
	}
	r.events = workflow.GetSignalChannel(ctx, EventSignal)
	r.seen = map[string]bool{}
	r.visits = map[string]int{}
	r.remember(r.in.Entry.MessageID)
	if err := workflow.SetQueryHandler(ctx, StateQuery, func() (State, error) { return r.state, nil }); err != nil {
		return fmt.Errorf("set state query: %w", err)
	}
	return nil
}

func (r *journeyRun) run(ctx workflow.Context) (JourneyResult, error) {
	id := r.in.Definition.StartNode()
	for {
		node, ok := r.in.Definition.Node(id)
		if !ok {
			return JourneyResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("journey %s v%d has no node %q", r.in.JourneyID, r.in.Version, id), "DefinitionError", nil)
		}
		if err := r.enter(ctx, node); err != nil {
			return JourneyResult{}, err
		}
		next, err := r.exec(ctx, node)
		if temporal.IsCanceledError(err) || ctx.Err() != nil {
			// Record the outcome, then end as Canceled, as asked.
			dctx, cancel := workflow.NewDisconnectedContext(ctx)
			defer cancel()
			res, ferr := r.finish(dctx, OutcomeCancelled)
			if ferr != nil {
				return res, ferr
			}
			return res, temporal.NewCanceledError()
		}
		if err != nil {
			return JourneyResult{}, err
		}
		if next == "" {
			return r.finish(ctx, node.ID)
		}
		id = next
	}
}

// enter records that the run reached a node and shows it in the Web UI.
func (r *journeyRun) enter(ctx workflow.Context, n journey.Node) error {
	r.visits[n.ID]++
	r.state.Node, r.state.Kind = n.ID, n.Kind
	r.state.WaitingUntil, r.state.WaitingFor = nil, nil
	r.state.Steps = append(r.state.Steps, Step{Node: n.ID, Kind: n.Kind, EnteredAt: workflow.Now(ctx)})
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrStep.ValueSet(n.ID)); err != nil {
		return fmt.Errorf("record step %s: %w", n.ID, err)
	}
	return nil
}

// exec carries out one node and returns the next node's ID, or "" at an exit.
func (r *journeyRun) exec(ctx workflow.Context, n journey.Node) (string, error) {
	switch n.Kind {
	case journey.KindWait:
		_, err := r.wait(ctx, time.Duration(n.Duration), nil)
		return n.Next, err
	case journey.KindWaitFor:
		return r.waitFor(ctx, n)
	case journey.KindSend:
		return n.Next, r.send(ctx, n)
	case journey.KindExit:
		r.outcome("exit")
		return "", nil
	}
	return "", temporal.NewNonRetryableApplicationError("unknown node kind "+n.Kind, "DefinitionError", nil)
}

func (r *journeyRun) waitFor(ctx workflow.Context, n journey.Node) (string, error) {
	for _, b := range n.Events {
		r.state.WaitingFor = append(r.state.WaitingFor, b.Event)
	}
	ev, err := r.wait(ctx, time.Duration(n.Timeout), func(ev journey.Event) bool {
		for _, b := range n.Events {
			if b.Event == ev.Name {
				return true
			}
		}
		return false
	})
	if err != nil {
		return "", err
	}
	if ev == nil {
		r.outcome("timeout")
		return n.OnTimeout, nil
	}
	for _, b := range n.Events {
		if b.Event == ev.Name {
			r.outcome(ev.Name)
			return b.Next, nil
		}
	}
	return n.OnTimeout, nil
}

// wait blocks for d, taking in every event that arrives meanwhile. It
// returns early with the first event that match accepts; with a nil match
// it always waits the full time. A nil event means the time ran out.
func (r *journeyRun) wait(ctx workflow.Context, d time.Duration, match func(journey.Event) bool) (*journey.Event, error) {
	until := workflow.Now(ctx).Add(d)
	r.state.WaitingUntil = &until
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimer(timerCtx, d)
	for {
		var (
			fired    bool
			timerErr error
			ev       journey.Event
			received bool
		)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(f workflow.Future) { fired, timerErr = true, f.Get(ctx, nil) })
		sel.AddReceive(r.events, func(c workflow.ReceiveChannel, _ bool) { received = c.Receive(ctx, &ev) })
		sel.Select(ctx)
		if fired {
			return nil, timerErr
		}
		if received && r.observe(ev) && match != nil && match(ev) {
			return &ev, nil
		}
	}
}

// observe takes in an event and reports whether it is new to this run.
func (r *journeyRun) observe(ev journey.Event) bool {
	if r.seen[ev.MessageID] {
		return false
	}
	r.remember(ev.MessageID)
	r.state.LastEvent = &ev
	return true
}

func (r *journeyRun) remember(messageID string) {
	r.seen[messageID] = true
	r.order = append(r.order, messageID)
	if len(r.order) > seenLimit {
		delete(r.seen, r.order[0])
		r.order = r.order[1:]
	}
}

func (r *journeyRun) send(ctx workflow.Context, n journey.Node) error {
	info := workflow.GetInfo(ctx)
	in := activities.SendInput{
		MessageID:   fmt.Sprintf("%s/%s/%s/%d", info.WorkflowExecution.ID, info.FirstRunID, n.ID, r.visits[n.ID]),
		WorkspaceID: r.in.WorkspaceID, JourneyID: r.in.JourneyID, Version: r.in.Version,
		CustomerID: r.in.CustomerID, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		NodeID: n.ID, Channel: n.Channel, Template: *n.Template, Entry: r.in.Entry,
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour, // a provider down for a day fails the step, not the journey
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})
	var a *activities.Activities
	var res activities.SendResult
	if err := workflow.ExecuteActivity(actx, a.Send, in).Get(actx, &res); err != nil {
		if ctx.Err() != nil {
			return temporal.NewCanceledError()
		}
		workflow.GetLogger(ctx).Error("send failed", "node", n.ID, "error", err)
		r.outcome("failed: " + err.Error())
		return nil
	}
	r.outcome("sent " + res.MessageID)
	return nil
}

// outcome notes how the current step ended.
func (r *journeyRun) outcome(s string) {
	r.state.Steps[len(r.state.Steps)-1].Outcome = s
}

func (r *journeyRun) finish(ctx workflow.Context, outcome string) (JourneyResult, error) {
	r.state.Status, r.state.Outcome = StatusCompleted, outcome
	r.state.WaitingUntil, r.state.WaitingFor = nil, nil
	if err := workflow.UpsertTypedSearchAttributes(ctx, AttrOutcome.ValueSet(outcome)); err != nil {
		return JourneyResult{}, fmt.Errorf("record outcome: %w", err)
	}
	path := make([]string, len(r.state.Steps))
	for i, s := range r.state.Steps {
		path[i] = s.Node
	}
	return JourneyResult{Outcome: outcome, Path: path}, nil
}
