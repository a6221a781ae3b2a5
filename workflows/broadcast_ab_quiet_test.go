package workflows

import (
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/experiment"
)

// heldCustomers picks n customers of the test share (inTest) or of the
// rest, and holds them for quiet hours until the time given.
func (ab *abBundle) heldCustomers(n int, inTest bool, until time.Time) []string {
	var out []string
	for _, c := range ab.members {
		if len(out) == n {
			break
		}
		if experiment.InBroadcastTest(20, "default", "spring", c) == inTest {
			out = append(out, c)
			ab.quiet[c], ab.until[c] = true, until
		}
	}
	return out
}

func drawnVariant(c string) string {
	return []string{"A", "B"}[experiment.BroadcastVariant(2, "default", "spring", c)]
}

func TestBroadcastABTestInQuietHours(t *testing.T) {
	t.Run("TheHeldTestShareGetsItsVariantWhenItsWindowEndsAndTheWaitBeginsAfter", func(t *testing.T) {
		ab := abSetup(t, 2000)
		tested := ab.heldCustomers(3, true, ab.start.Add(6*time.Hour))
		rest := ab.heldCustomers(3, false, ab.start.Add(30*time.Hour))
		ab.run(activities.ABMetricOpens)
		if err := ab.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		ab.check(t, "B")
		for _, c := range tested {
			if got, at := ab.got[c], ab.sentAt[c]; !slices.Equal(got, []string{drawnVariant(c)}) || at.Before(ab.start.Add(6*time.Hour)) || !at.Before(ab.pickAt) {
				t.Errorf("held test customer %s got %v at %v; want their variant %s when their window ends at +6h, before the pick at %v",
					c, got, at.Sub(ab.start), drawnVariant(c), ab.pickAt.Sub(ab.start))
			}
		}
		// The wait counts from the last test send: every variant is measured over the whole 4 hours.
		if ab.pickAt.Before(ab.start.Add(10 * time.Hour)) {
			t.Errorf("picked at +%v; want 4 hours after the held test share was sent at +6h", ab.pickAt.Sub(ab.start))
		}
		for _, c := range rest {
			if got, at := ab.got[c], ab.sentAt[c]; !slices.Equal(got, []string{"B"}) || at.Before(ab.start.Add(30*time.Hour)) {
				t.Errorf("held customer %s of the rest got %v at +%v; want the winner B when their window ends at +30h", c, got, at.Sub(ab.start))
			}
		}
	})
	t.Run("ABroadcastBegunBeforeTheRuleSendsTheHeldTestShareAfterThePick", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.env.OnGetVersion(abQuietChange, workflow.DefaultVersion, abQuietVersion).Return(workflow.DefaultVersion)
		tested := ab.heldCustomers(3, true, ab.start.Add(6*time.Hour))
		ab.run(activities.ABMetricOpens)
		if err := ab.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if ab.pickAt.After(ab.start.Add(5 * time.Hour)) {
			t.Errorf("picked at +%v; want at the end of the 4-hour wait, as before", ab.pickAt.Sub(ab.start))
		}
		for _, c := range tested {
			if got, at := ab.got[c], ab.sentAt[c]; !slices.Equal(got, []string{drawnVariant(c)}) || !at.After(ab.pickAt) {
				t.Errorf("held test customer %s got %v at +%v; want their variant after the pick, as before", c, got, at.Sub(ab.start))
			}
		}
	})
}

// TestBroadcastPauseDuringAWaitShowsAtOnce: a pause, resume or cancel taken
// while an A/B test waits is recorded when it is taken, not when the wait
// ends.
func TestBroadcastPauseDuringAWaitShowsAtOnce(t *testing.T) {
	within := func(at, from time.Time) bool { return !at.Before(from) && at.Before(from.Add(time.Minute)) }
	t.Run("PauseAndResumeAreRecordedWhenTaken", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.signal(time.Hour, BroadcastControl{Action: BroadcastPause})
		ab.signal(2*time.Hour, BroadcastControl{Action: BroadcastResume})
		p := ab.run(activities.ABMetricOpens)
		if !slices.Equal(ab.statuses, []string{"sending", "paused", "sending", "completed"}) {
			t.Fatalf("statuses %v; want sending, paused, sending, completed", ab.statuses)
		}
		if !within(ab.statusAt[1], ab.start.Add(time.Hour)) || !within(ab.statusAt[2], ab.start.Add(2*time.Hour)) {
			t.Errorf("paused at +%v and resumed at +%v; want +1h and +2h", ab.statusAt[1].Sub(ab.start), ab.statusAt[2].Sub(ab.start))
		}
		if ab.pickAt.Before(ab.start.Add(4*time.Hour)) || p.Winner != "B" {
			t.Errorf("picked at +%v, progress %+v; want the wait kept and B sent", ab.pickAt.Sub(ab.start), p)
		}
		ab.check(t, "B")
	})
	t.Run("APausePastTheWaitHoldsTheRestAndSaysPausedMeanwhile", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.signal(time.Hour, BroadcastControl{Action: BroadcastPause})
		var during BroadcastProgress
		ab.env.RegisterDelayedCallback(func() { during = ab.query(t) }, 6*time.Hour)
		ab.signal(10*time.Hour, BroadcastControl{Action: BroadcastResume})
		ab.run(activities.ABMetricOpens)
		if !slices.Equal(ab.statuses, []string{"sending", "paused", "sending", "completed"}) || !within(ab.statusAt[1], ab.start.Add(time.Hour)) {
			t.Fatalf("statuses %v at %v; want paused at +1h", ab.statuses, ab.statusAt)
		}
		if during.Status != "paused" || ab.pickAt.Before(ab.start.Add(10*time.Hour)) {
			t.Errorf("status at +6h %q, picked at +%v; want paused, and the pick after the resume", during.Status, ab.pickAt.Sub(ab.start))
		}
	})
	t.Run("CancelIsRecordedWhenTaken", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.signal(time.Hour, BroadcastControl{Action: BroadcastCancel})
		p := ab.run(activities.ABMetricOpens)
		if !slices.Equal(ab.statuses, []string{"sending", "cancelled"}) || !within(ab.statusAt[1], ab.start.Add(time.Hour)) || p.Status != "cancelled" {
			t.Errorf("statuses %v at %v, progress %+v; want cancelled at +1h", ab.statuses, ab.statusAt, p)
		}
	})
	t.Run("ABroadcastBegunBeforeTheChangeKeepsItsHistory", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.env.OnGetVersion(pauseChange, workflow.DefaultVersion, pauseVersion).Return(workflow.DefaultVersion)
		ab.signal(time.Hour, BroadcastControl{Action: BroadcastPause})
		ab.signal(2*time.Hour, BroadcastControl{Action: BroadcastResume})
		ab.run(activities.ABMetricOpens)
		if !slices.Equal(ab.statuses, []string{"sending", "completed"}) {
			t.Errorf("statuses %v; want the old path: sending, completed", ab.statuses)
		}
	})
}
