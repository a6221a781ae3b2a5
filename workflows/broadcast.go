package workflows

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
)

// Signal and query of a broadcast.
const (
	// BroadcastControlSignal carries a BroadcastControl: pause, resume,
	// cancel, or reschedule (a new send_at while the broadcast waits).
	BroadcastControlSignal = "broadcast-control"
	// BroadcastProgressQuery returns the run's BroadcastProgress.
	BroadcastProgressQuery = "broadcast-progress"
)

// Broadcast control actions.
const (
	BroadcastPause      = "pause"
	BroadcastResume     = "resume"
	BroadcastCancel     = "cancel"
	BroadcastReschedule = "reschedule"
)

// BroadcastControl is one control signal.
type BroadcastControl struct {
	Action string    `json:"action"`
	SendAt time.Time `json:"sendAt,omitzero"` // reschedule only
}

const (
	phaseWaiting  = "waiting"
	phaseSegment  = "segment"
	phaseDeferred = "deferred"
	phaseTest     = "test"     // sending the A/B test's variants to its share
	phaseTestWait = "testWait" // waiting to pick the winner
)

// BroadcastWorkflowID is the ID of a broadcast's workflow.
func BroadcastWorkflowID(workspaceID, broadcastID string) string {
	return "ws_" + workspaceID + "/bc_" + broadcastID
}

// BroadcastOf is the broadcast whose workflow has the ID workflowID in the
// workspace (BroadcastWorkflowID's inverse); ok is false for any other
// workflow.
func BroadcastOf(workspaceID, workflowID string) (broadcastID string, ok bool) {
	id, ok := strings.CutPrefix(workflowID, BroadcastWorkflowID(workspaceID, ""))
	return id, ok && id != ""
}

// errBroadcastCancelled ends a run by a cancel signal.
var errBroadcastCancelled = errors.New("broadcast cancelled")

type broadcastRun struct {
	in       BroadcastInput
	st       *BroadcastState
	controls workflow.ReceiveChannel
	sendAt   time.Time
	batches  int    // started in this run
	stage    string // of the batches: activities.StageTest, StageRest or ""
}

// Broadcast sends one message to a segment: it waits for send_at, pages
// the segment and delivers each page as one batch activity, holds
// customers in their quiet hours until the window ends, pauses and
// cancels between batches, and continues as new before its history grows
// large. It returns its final progress.
func Broadcast(ctx workflow.Context, in BroadcastInput) (BroadcastProgress, error) {
	b := &broadcastRun{in: in, st: in.State, sendAt: in.SendAt}
	if b.st == nil {
		b.st = &BroadcastState{Phase: phaseWaiting, Progress: BroadcastProgress{Status: activities.BroadcastScheduled, Skipped: map[string]int{}}}
	}
	if b.in.BatchSize <= 0 {
		b.in.BatchSize = DefaultBroadcastBatch
	}
	if b.in.RunBatches <= 0 {
		b.in.RunBatches = DefaultBroadcastRunBatches
	}
	if b.in.InFlight <= 0 {
		b.in.InFlight = DefaultBroadcastInFlight
	}
	if err := workflow.SetQueryHandler(ctx, BroadcastProgressQuery, func() (BroadcastProgress, error) {
		return b.st.Progress, nil
	}); err != nil {
		return BroadcastProgress{}, err
	}
	b.controls = workflow.GetSignalChannel(ctx, BroadcastControlSignal)
	err := b.run(ctx)
	switch {
	case err == nil || workflow.IsContinueAsNewError(err):
		return b.st.Progress, err
	case errors.Is(err, errBroadcastCancelled), temporal.IsCanceledError(err):
		return b.finish(ctx, activities.BroadcastCancelled, "")
	}
	// An activity out of attempts (or a heartbeat lost each time): the
	// broadcast ends failed with the reason, rather than retrying forever
	// behind a row that says sending.
	return b.finish(ctx, activities.BroadcastFailed, failureReason(err))
}

func (b *broadcastRun) run(ctx workflow.Context) error {
	if b.st.Phase == phaseWaiting {
		if err := b.wait(ctx); err != nil {
			return err
		}
		if err := b.setStatus(ctx, activities.BroadcastSending); err != nil {
			return err
		}
		b.st.Phase = b.firstPhase(ctx)
	}
	if err := b.abTest(ctx); err != nil {
		return err
	}
	if b.st.Phase == phaseSegment {
		if b.in.Spec.AB != nil {
			b.stage = activities.StageRest
		}
		if err := b.pages(ctx, time.Time{}, time.Time{}); err != nil {
			return err
		}
		b.st.Phase, b.st.After, b.stage = phaseDeferred, "", ""
	}
	for len(b.st.DueTimes) > 0 {
		due := b.st.DueTimes[0]
		if err := b.waitUntil(ctx, due, false); err != nil {
			return err
		}
		b.stage = b.heldStage(ctx)
		if err := b.pages(ctx, b.st.DoneDue, due); err != nil {
			return err
		}
		b.st.DueTimes, b.st.DoneDue, b.st.After = b.st.DueTimes[1:], due, ""
	}
	_, err := b.finish(ctx, activities.BroadcastCompleted, "")
	return err
}

// wait holds the broadcast until send_at, which a reschedule moves.
func (b *broadcastRun) wait(ctx workflow.Context) error {
	for {
		if err := b.waitUntil(ctx, b.sendAt, true); err != nil {
			return err
		}
		if !workflow.Now(ctx).Before(b.sendAt) {
			return nil
		}
	}
}

// waitUntil waits for t (returning early, when t is send_at, if a
// reschedule moves it), taking control signals meanwhile; a pause holds it
// after t until resumed.
func (b *broadcastRun) waitUntil(ctx workflow.Context, t time.Time, isSendAt bool) error {
	for {
		d := t.Sub(workflow.Now(ctx))
		if d <= 0 {
			return b.holdWhilePaused(ctx)
		}
		tctx, cancel := workflow.WithCancel(ctx)
		fired := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(workflow.NewTimer(tctx, d), func(workflow.Future) { fired = true })
		sel.AddReceive(b.controls, func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		cancel()
		if fired {
			continue
		}
		if err := b.control(ctx, b.receive(ctx)); err != nil {
			return err
		}
		if err := b.showPause(ctx); err != nil {
			return err
		}
		if isSendAt && !b.sendAt.Equal(t) {
			return nil // rescheduled: wait for the new time
		}
	}
}

func (b *broadcastRun) receive(ctx workflow.Context) BroadcastControl {
	var c BroadcastControl
	b.controls.Receive(ctx, &c)
	return c
}

// control applies one signal.
func (b *broadcastRun) control(ctx workflow.Context, c BroadcastControl) error {
	switch c.Action {
	case BroadcastCancel:
		return errBroadcastCancelled
	case BroadcastPause:
		b.st.Paused = true
	case BroadcastResume:
		b.st.Paused = false
	case BroadcastReschedule:
		if b.st.Phase == phaseWaiting && !c.SendAt.IsZero() {
			b.sendAt = c.SendAt
		}
	default:
		workflow.GetLogger(ctx).Warn("unknown broadcast control", "action", c.Action)
	}
	return nil
}

// holdWhilePaused marks the broadcast paused and waits for resume (or
// cancel), then marks it sending again.
func (b *broadcastRun) holdWhilePaused(ctx workflow.Context) error {
	if !b.st.Paused {
		return nil
	}
	if b.st.Progress.Status != activities.BroadcastPaused { // showPause may have recorded it
		if err := b.setStatus(ctx, activities.BroadcastPaused); err != nil {
			return err
		}
	}
	for b.st.Paused {
		if err := b.control(ctx, b.receive(ctx)); err != nil {
			return err
		}
	}
	return b.setStatus(ctx, activities.BroadcastSending)
}

// pages sends every page of the audience: segment members, or with due
// set the customers held until a time in (from, due]. Up to InFlight
// batches run at once while the next page is read; a pause or cancel
// waits for the batches under way, so it takes effect between batches.
func (b *broadcastRun) pages(ctx workflow.Context, from, due time.Time) error {
	var inflight []*batchRun
	settle := func(keep int) error {
		for len(inflight) > keep {
			f := inflight[0]
			inflight = inflight[1:]
			if err := b.batchDone(ctx, f, !due.IsZero()); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		stopping, err := b.takeSignals(ctx)
		if err != nil || stopping || b.batches >= b.in.RunBatches {
			if serr := settle(0); serr != nil {
				return serr
			}
			if err != nil {
				return err
			}
		}
		if err := b.holdWhilePaused(ctx); err != nil {
			return err
		}
		if b.batches >= b.in.RunBatches {
			return workflow.NewContinueAsNewError(ctx, Broadcast, b.next())
		}
		var page activities.BroadcastPageResult
		err = workflow.ExecuteActivity(b.actx(ctx), acts.BroadcastPage, activities.BroadcastPageInput{
			Spec: b.in.Spec, After: b.st.After, Limit: b.in.BatchSize, DueAfter: from, DueBy: due,
		}).Get(ctx, &page)
		if err != nil {
			return err
		}
		if n := len(page.CustomerIDs); n > 0 {
			inflight = append(inflight, b.startBatch(ctx, page.CustomerIDs))
			b.batches++
			b.st.After = page.CustomerIDs[n-1]
		}
		if len(page.CustomerIDs) < b.in.BatchSize {
			return settle(0)
		}
		if err := settle(b.in.InFlight - 1); err != nil {
			return err
		}
	}
}

// takeSignals applies the signals that arrived; stopping is true when the
// broadcast is to pause, and the error errBroadcastCancelled on cancel.
func (b *broadcastRun) takeSignals(ctx workflow.Context) (stopping bool, err error) {
	for {
		var c BroadcastControl
		if !b.controls.ReceiveAsync(&c) {
			return b.st.Paused, nil
		}
		if err := b.control(ctx, c); err != nil {
			return true, err
		}
	}
}

// batchRun is one batch under way: its customers and its activity.
type batchRun struct {
	customers []string
	f         workflow.Future
}

// startBatch starts one page's batch on the channel's send queue.
func (b *broadcastRun) startBatch(ctx workflow.Context, customers []string) *batchRun {
	return &batchRun{customers: customers, f: b.batchActivity(ctx, customers)}
}

func (b *broadcastRun) batchActivity(ctx workflow.Context, customers []string) workflow.Future {
	info := workflow.GetInfo(ctx)
	return workflow.ExecuteActivity(b.batchCtx(ctx, SendTaskQueue(info.TaskQueueName, b.in.Spec.Channel)), acts.BroadcastBatch,
		activities.BroadcastBatchInput{Spec: b.in.Spec, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
			CustomerIDs: customers, Now: workflow.Now(ctx), Stage: b.stage})
}

// batchDone waits for a batch and adds its result to the progress. In the
// deferred pass, customers not held again leave the deferred count.
func (b *broadcastRun) batchDone(ctx workflow.Context, run *batchRun, deferredPass bool) error {
	res, err := b.awaitBatch(ctx, run)
	if err != nil {
		return err
	}
	p := &b.st.Progress
	p.Batches++
	p.Sent += res.Sent
	p.Failed += res.Failed
	for reason, n := range res.Skipped {
		p.Skipped[reason] += n
	}
	if deferredPass {
		p.Deferred -= res.Sent + res.Failed + sum(res.Skipped)
	} else {
		p.Deferred += res.Deferred
	}
	for _, t := range res.DeferredUntil {
		if !slices.ContainsFunc(b.st.DueTimes, t.Equal) {
			b.st.DueTimes = append(b.st.DueTimes, t)
		}
	}
	slices.SortFunc(b.st.DueTimes, time.Time.Compare)
	b.remaining()
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (b *broadcastRun) remaining() {
	p := &b.st.Progress
	p.Remaining = max(0, p.Audience-p.Sent-p.Failed-sum(p.Skipped))
}

// setStatus records the status in Postgres; moving to sending the first
// time, it takes the audience counted then.
func (b *broadcastRun) setStatus(ctx workflow.Context, status string) error {
	var res activities.BroadcastStatusResult
	err := workflow.ExecuteActivity(b.actx(ctx), acts.BroadcastStatus,
		activities.BroadcastStatusInput{Spec: b.in.Spec, Status: status}).Get(ctx, &res)
	if err != nil {
		return err
	}
	if status == activities.BroadcastSending && b.st.Progress.Audience == 0 {
		b.st.Progress.Audience = res.Audience
	}
	b.st.Progress.Status = status
	b.remaining()
	return nil
}

// finish records the broadcast's end (with a disconnected context, so a
// cancelled run still records it) and returns the final progress.
func (b *broadcastRun) finish(ctx workflow.Context, status, errText string) (BroadcastProgress, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.ExecuteActivity(b.actx(dctx), acts.BroadcastStatus,
		activities.BroadcastStatusInput{Spec: b.in.Spec, Status: status, Error: errText}).Get(dctx, nil)
	b.st.Progress.Status = status
	if status == activities.BroadcastCompleted {
		b.st.Progress.Remaining = 0
	}
	return b.st.Progress, err
}

// next is the input of the run that continues this one.
func (b *broadcastRun) next() BroadcastInput {
	st := *b.st
	st.Progress.Skipped = maps.Clone(st.Progress.Skipped)
	n := b.in
	n.SendAt, n.State = b.sendAt, &st
	return n
}
