package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
)

// Where a broadcast's A/B test is (BroadcastProgress.Test).
const (
	ABSending = "sending" // the variants go to the test share
	ABWaiting = "waiting" // the wait before the winner is picked
	ABDecided = "decided" // the winner goes to the rest
)

// abChange marks the A/B test in broadcast histories: a run that began
// before it was built has no marker and takes the path it took then.
const (
	abChange  = "broadcast-ab-test"
	abVersion = 1
)

// abQuietChange marks the rule for the test share's customers in quiet
// hours: they are sent their variant when their window ends, and the
// wait begins after the last of them, so each variant is measured over
// the whole wait; held customers of the rest get the winner. A run whose
// history has no marker holds them until after the rest, as it began.
const (
	abQuietChange  = "broadcast-ab-quiet-hours"
	abQuietVersion = 1
)

// phaseTestHeld sends the test share's customers held by quiet hours their
// variants as their windows end, before the wait begins.
const phaseTestHeld = "testHeld"

// firstPhase is where sending begins: the A/B test's share first when the
// broadcast has a test, else the whole segment.
func (b *broadcastRun) firstPhase(ctx workflow.Context) string {
	if b.in.Spec.AB == nil {
		return phaseSegment
	}
	if workflow.GetVersion(ctx, abChange, workflow.DefaultVersion, abVersion) == workflow.DefaultVersion {
		b.in.Spec.AB = nil
		return phaseSegment
	}
	b.st.Progress.Test = ABSending
	return phaseTest
}

// abTest sends the test share its variants, waits the test's time (a
// durable timer: pause and cancel are taken while it runs), then picks
// the winner, which the segment pass sends to the rest. It does nothing
// for a broadcast without a test, or past its test.
func (b *broadcastRun) abTest(ctx workflow.Context) error {
	if b.st.Phase == phaseTest {
		b.stage = activities.StageTest
		if err := b.pages(ctx, time.Time{}, time.Time{}); err != nil {
			return err
		}
		b.stage, b.st.After = "", ""
		b.st.Phase = phaseTestHeld
		if len(b.st.DueTimes) == 0 || !b.quietRule(ctx) {
			b.startTestWait(ctx)
		}
	}
	if b.st.Phase == phaseTestHeld {
		if err := b.sendHeldTestShare(ctx); err != nil {
			return err
		}
		b.startTestWait(ctx)
	}
	if b.st.Phase != phaseTestWait {
		return nil
	}
	if err := b.waitUntil(ctx, b.st.TestEnds, false); err != nil {
		return err
	}
	var res activities.BroadcastWinnerResult
	if err := workflow.ExecuteActivity(b.actx(ctx), acts.BroadcastPickWinner,
		activities.BroadcastWinnerInput{Spec: b.in.Spec}).Get(ctx, &res); err != nil {
		return err
	}
	b.in.Spec.Winner = res.Winner
	b.st.Progress.Test, b.st.Progress.Winner = ABDecided, res.Winner
	b.st.Phase = phaseSegment
	return nil
}

// quietRule reports whether this run follows abQuietChange's rule.
func (b *broadcastRun) quietRule(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, abQuietChange, workflow.DefaultVersion, abQuietVersion) != workflow.DefaultVersion
}

// sendHeldTestShare sends the test share's customers held by quiet hours
// their variants, each when their window ends (pause and cancel are
// taken meanwhile).
func (b *broadcastRun) sendHeldTestShare(ctx workflow.Context) error {
	for len(b.st.DueTimes) > 0 {
		due := b.st.DueTimes[0]
		if err := b.waitUntil(ctx, due, false); err != nil {
			return err
		}
		b.stage = activities.StageTest
		if err := b.pages(ctx, b.st.DoneDue, due); err != nil {
			return err
		}
		b.st.DueTimes, b.st.DoneDue, b.st.After, b.stage = b.st.DueTimes[1:], due, "", ""
	}
	return nil
}

// startTestWait starts the test's wait: from now, after the last test
// send.
func (b *broadcastRun) startTestWait(ctx workflow.Context) {
	b.st.TestEnds = workflow.Now(ctx).Add(b.in.Spec.AB.Wait)
	b.st.Phase = phaseTestWait
	b.st.Progress.Test, b.st.Progress.TestEnds = ABWaiting, b.st.TestEnds
}

// heldStage is the stage of a pass over customers held after the rest was
// sent: the winner's (StageRest) under abQuietChange's rule, else "" (a
// held test-share customer got their own variant then).
func (b *broadcastRun) heldStage(ctx workflow.Context) string {
	if b.in.Spec.AB == nil || !b.quietRule(ctx) {
		return ""
	}
	return activities.StageRest
}
