package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/journey"
)

// signals are the channels a run listens on while it waits.
type signals struct {
	events, pause, resume, archive, migrate workflow.ReceiveChannel
}

func newSignals(ctx workflow.Context) signals {
	return signals{
		events:  workflow.GetSignalChannel(ctx, EventSignal),
		pause:   workflow.GetSignalChannel(ctx, PauseSignal),
		resume:  workflow.GetSignalChannel(ctx, ResumeSignal),
		archive: workflow.GetSignalChannel(ctx, ArchiveSignal),
		migrate: workflow.GetSignalChannel(ctx, MigrateSignal),
	}
}

// drainEvents takes every event signal already delivered, without blocking.
func (s signals) drainEvents() []journey.Event {
	var out []journey.Event
	for {
		var ev journey.Event
		if !s.events.ReceiveAsync(&ev) {
			return out
		}
		out = append(out, ev)
	}
}

// drainControl applies the lifecycle signals already delivered, before the
// run continues as new: an archive ends the run (a stopRun), a pause or a
// migration is carried over.
func (r *journeyRun) drainControl() error {
	for r.signals.pause.ReceiveAsync(nil) {
		r.state.Paused = true
	}
	for r.signals.resume.ReceiveAsync(nil) {
		r.state.Paused = false
	}
	var m Migration
	for r.signals.migrate.ReceiveAsync(&m) {
		_ = r.migrate(m) // the continuation starts at the same node either way
	}
	if r.signals.archive.ReceiveAsync(nil) {
		return stopRun{OutcomeArchived}
	}
	return nil
}

// waitSpec is what a wait ends on: a deadline (zero: none), an event that
// match accepts (nil: none), or ready becoming true (nil: never).
type waitSpec struct {
	until time.Time
	match func(journey.Event) (bool, error)
	ready func() bool
}

// await blocks until spec is met, taking in every signal meanwhile: events
// (deduplicated, checked against exit criteria and the goal), pause,
// resume, archive and migrate. It returns the matching event, or nil when
// the deadline passed or ready became true. It never polls: one timer, and
// a selector over the signal channels.
func (r *journeyRun) await(ctx workflow.Context, spec waitSpec) (*journey.Event, error) {
	var timer workflow.Future
	if !spec.until.IsZero() {
		d := spec.until.Sub(workflow.Now(ctx))
		if d <= 0 {
			return nil, nil
		}
		until := spec.until
		r.state.WaitingUntil = &until
		timerCtx, cancel := workflow.WithCancel(ctx)
		defer cancel()
		timer = workflow.NewTimer(timerCtx, d)
	}
	for {
		if spec.ready != nil && spec.ready() {
			return nil, nil
		}
		if ev, ok := r.nextPending(); ok {
			if hit, err := r.takeEvent(ctx, ev, spec.match); hit || err != nil {
				return &ev, err
			}
			continue
		}
		if err := r.showStep(ctx); err != nil {
			return nil, err
		}
		r.stats.flush(ctx, false)
		fired, ev, err := r.selectOnce(ctx, timer, spec.match)
		if fired || ev != nil || err != nil {
			return ev, err
		}
		if info := workflow.GetInfo(ctx); info.GetCurrentHistoryLength() >= r.historyCap || info.GetContinueAsNewSuggested() {
			return nil, continueAsNew{}
		}
	}
}

// selectOnce waits for the timer or one signal and handles it.
func (r *journeyRun) selectOnce(ctx workflow.Context, timer workflow.Future, match func(journey.Event) (bool, error)) (bool, *journey.Event, error) {
	var (
		fired  bool
		result *journey.Event
		err    error
	)
	sel := workflow.NewSelector(ctx)
	if timer != nil {
		sel.AddFuture(timer, func(f workflow.Future) { fired, err = true, f.Get(ctx, nil) })
	}
	sel.AddReceive(r.signals.events, func(c workflow.ReceiveChannel, _ bool) {
		var ev journey.Event
		c.Receive(ctx, &ev)
		var hit bool
		if hit, err = r.takeEvent(ctx, ev, match); hit {
			result = &ev
		}
	})
	sel.AddReceive(r.signals.pause, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); r.state.Paused = true })
	sel.AddReceive(r.signals.resume, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); r.state.Paused = false })
	sel.AddReceive(r.signals.archive, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		err = stopRun{OutcomeArchived}
	})
	sel.AddReceive(r.signals.migrate, func(c workflow.ReceiveChannel, _ bool) {
		var m Migration
		c.Receive(ctx, &m)
		err = r.migrate(m)
	})
	sel.Select(ctx)
	return fired, result, err
}

func (r *journeyRun) nextPending() (journey.Event, bool) {
	if len(r.pending) == 0 {
		return journey.Event{}, false
	}
	ev := r.pending[0]
	r.pending = r.pending[1:]
	return ev, true
}

// takeEvent handles one event: a duplicate is dropped; a new one may end the
// run (exit criteria, a goal with exit_on_goal) and reports whether match
// accepts it.
func (r *journeyRun) takeEvent(ctx workflow.Context, ev journey.Event, match func(journey.Event) (bool, error)) (bool, error) {
	if !r.observe(ev) {
		return false, nil
	}
	if err := r.checkExitEventAt(ctx, ev); err != nil {
		return false, err
	}
	if err := r.checkGoal(ctx, ev); err != nil {
		return false, err
	}
	if match == nil {
		return false, nil
	}
	return match(ev)
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

// migrate moves the run to a new version when the node it waits at exists
// there; otherwise the run stays on its version and says why.
func (r *journeyRun) migrate(m Migration) error {
	if m.Version <= r.state.Version {
		r.state.Migrations = append(r.state.Migrations, fmt.Sprintf("v%d ignored: the run is on v%d", m.Version, r.state.Version))
		return nil
	}
	if _, ok := m.Definition.Node(r.state.Node); !ok {
		r.state.Migrations = append(r.state.Migrations, fmt.Sprintf("v%d refused: it has no node %q", m.Version, r.state.Node))
		return nil
	}
	conds, err := m.Definition.CompileConditions()
	if err != nil {
		r.state.Migrations = append(r.state.Migrations, fmt.Sprintf("v%d refused: %v", m.Version, err))
		return nil
	}
	r.state.Migrations = append(r.state.Migrations, fmt.Sprintf("v%d → v%d at %s", r.state.Version, m.Version, r.state.Node))
	r.def, r.conds, r.state.Version = m.Definition, conds, m.Version
	return migrated{}
}
