package workflows

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/store"
)

// abBundle is a broadcastBundle whose batches act as BroadcastBatch does
// with an A/B test (the test stage sends the share its drawn variant, the
// rest stage the winner to the others), recording each customer's
// messages, and whose pick answers the winner the test's metric names.
type abBundle struct {
	*broadcastBundle
	got    map[string][]string // variants received, by customer
	sentAt map[string]time.Time
	stages []string
	picks  []activities.BroadcastWinnerInput
	pickAt time.Time
	winner map[string]string // by metric
}

func abSetup(t *testing.T, n int) *abBundle {
	t.Helper()
	b := broadcastSetup(t, n)
	ab := &abBundle{broadcastBundle: b, got: map[string][]string{}, sentAt: map[string]time.Time{}, winner: map[string]string{
		activities.ABMetricOpens: "B", activities.ABMetricClicks: "A"}}
	var a *activities.Activities
	b.onBatch = ab.batch
	b.env.OnActivity(a.BroadcastPickWinner, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.BroadcastWinnerInput) (activities.BroadcastWinnerResult, error) {
			ab.picks = append(ab.picks, in)
			ab.pickAt = b.env.Now()
			return activities.BroadcastWinnerResult{Winner: ab.winner[in.Spec.AB.Metric], Rule: experiment.RuleBestObserved}, nil
		}).Maybe()
	return ab
}

func (ab *abBundle) batch(_ context.Context, in activities.BroadcastBatchInput) (activities.BroadcastBatchResult, error) {
	ab.mu.Lock()
	defer ab.mu.Unlock()
	ab.stages = append(ab.stages, in.Stage)
	res := activities.BroadcastBatchResult{Skipped: map[string]int{}}
	sp := in.Spec
	for _, c := range in.CustomerIDs {
		inTest := experiment.InBroadcastTest(sp.AB.Percent, sp.WorkspaceID, sp.BroadcastID, c)
		drawn := sp.AB.Variants[experiment.BroadcastVariant(len(sp.AB.Variants), sp.WorkspaceID, sp.BroadcastID, c)].Name
		var v string
		switch { // as BroadcastSpec.takes and variantFor decide
		case in.Stage == activities.StageTest && inTest:
			v = drawn
		case in.Stage == activities.StageRest && (!inTest || len(ab.got[c]) == 0):
			v = sp.Winner
		case in.Stage == "" && inTest:
			v = drawn
		case in.Stage == "":
			v = sp.Winner
		default:
			continue
		}
		if u, held := ab.until[c]; held && in.Now.Before(u) {
			res.Deferred++
			if !slices.ContainsFunc(res.DeferredUntil, u.Equal) {
				res.DeferredUntil = append(res.DeferredUntil, u)
			}
			continue
		}
		ab.got[c] = append(ab.got[c], v)
		ab.sentAt[c] = in.Now
		res.Sent++
	}
	return res, nil
}

func (ab *abBundle) run(metric string) BroadcastProgress {
	in := BroadcastInput{Spec: activities.BroadcastSpec{WorkspaceID: "default", BroadcastID: "spring", SegmentID: "all", Channel: "email",
		AB: &activities.BroadcastAB{Percent: 20, Metric: metric, Wait: 4 * time.Hour,
			Variants: []activities.BroadcastVariant{{Name: "A", Subject: "Spring sale"}, {Name: "B", Subject: "20% off, today only"}}}}}
	ab.env.ExecuteWorkflow(Broadcast, in)
	var p BroadcastProgress
	if ab.env.IsWorkflowCompleted() && ab.env.GetWorkflowError() == nil {
		_ = ab.env.GetWorkflowResult(&p)
	}
	return p
}

// check asserts that every customer got exactly one message: the test
// share their drawn variant, everyone else the winner.
func (ab *abBundle) check(t *testing.T, winner string) {
	t.Helper()
	tested := 0
	for _, c := range ab.members {
		got := ab.got[c]
		if len(got) != 1 {
			t.Fatalf("customer %s got %v; want exactly one message", c, got)
		}
		if experiment.InBroadcastTest(20, "default", "spring", c) {
			tested++
			continue
		}
		if got[0] != winner {
			t.Fatalf("customer %s of the rest got %s; want the winner %s", c, got[0], winner)
		}
	}
	if tested < 300 || tested > 500 {
		t.Errorf("%d of 2000 customers in the test share; want about 400", tested)
	}
}

func TestBroadcastABTest(t *testing.T) {
	t.Run("PicksTheWinnerByOpensAfterTheWaitAndSendsItToTheRest", func(t *testing.T) {
		ab := abSetup(t, 2000)
		p := ab.run(activities.ABMetricOpens)
		if err := ab.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if len(ab.picks) != 1 || ab.picks[0].Spec.AB.Metric != activities.ABMetricOpens {
			t.Fatalf("picks %+v; want one, by opens", ab.picks)
		}
		ab.check(t, "B")
		// Two test batches, a four-hour wait, the pick, then two rest batches.
		if ab.pickAt.Before(ab.start.Add(4*time.Hour)) || !slices.Equal(ab.stages, []string{"test", "test", "rest", "rest"}) {
			t.Errorf("picked at %v (start %v), stages %v", ab.pickAt, ab.start, ab.stages)
		}
		if p.Status != store.BroadcastCompleted || p.Sent != 2000 || p.Remaining != 0 || p.Winner != "B" || p.Test != ABDecided {
			t.Errorf("progress %+v", p)
		}
	})
	t.Run("PicksTheWinnerByClicks", func(t *testing.T) {
		ab := abSetup(t, 2000)
		p := ab.run(activities.ABMetricClicks)
		if len(ab.picks) != 1 || ab.picks[0].Spec.AB.Metric != activities.ABMetricClicks {
			t.Fatalf("picks %+v; want one, by clicks", ab.picks)
		}
		ab.check(t, "A")
		if p.Winner != "A" || p.Sent != 2000 {
			t.Errorf("progress %+v", p)
		}
	})
	t.Run("ShowsTheWaitInItsProgress", func(t *testing.T) {
		ab := abSetup(t, 100)
		var waiting BroadcastProgress
		ab.env.RegisterDelayedCallback(func() { waiting = ab.query(t) }, 2*time.Hour)
		ab.run(activities.ABMetricOpens)
		if waiting.Test != ABWaiting || waiting.TestEnds.IsZero() || waiting.Winner != "" || waiting.Sent == 0 || waiting.Sent >= 100 {
			t.Errorf("progress during the wait %+v; want the test share sent, waiting, no winner", waiting)
		}
	})
	t.Run("CancelDuringTheWaitSendsNothingMore", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.signal(2*time.Hour, BroadcastControl{Action: BroadcastCancel})
		p := ab.run(activities.ABMetricOpens)
		if len(ab.picks) != 0 || slices.Contains(ab.stages, activities.StageRest) {
			t.Fatalf("picks %d, stages %v; want no pick and no rest batch after the cancel", len(ab.picks), ab.stages)
		}
		if p.Status != store.BroadcastCancelled || p.Sent == 0 || p.Sent >= 2000 {
			t.Errorf("progress %+v; want cancelled after the test share", p)
		}
		if !slices.Equal(ab.statuses, []string{"sending", "cancelled"}) {
			t.Errorf("statuses %v", ab.statuses)
		}
	})
	t.Run("PauseDuringTheWaitHoldsTheRestUntilResumed", func(t *testing.T) {
		ab := abSetup(t, 2000)
		ab.signal(time.Hour, BroadcastControl{Action: BroadcastPause})
		ab.signal(10*time.Hour, BroadcastControl{Action: BroadcastResume})
		ab.run(activities.ABMetricOpens)
		if ab.pickAt.Before(ab.start.Add(10 * time.Hour)) {
			t.Errorf("picked at %v, before the resume at %v", ab.pickAt, ab.start.Add(10*time.Hour))
		}
		ab.check(t, "B")
	})
}
