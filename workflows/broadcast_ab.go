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
		b.st.TestEnds = workflow.Now(ctx).Add(b.in.Spec.AB.Wait)
		b.st.Phase = phaseTestWait
		b.st.Progress.Test, b.st.Progress.TestEnds = ABWaiting, b.st.TestEnds
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
