package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/store"
)

// broadcastBundle runs the Broadcast workflow on the test clock with its
// activities mocked: a segment of n customers (c0000…), each batch taking
// a minute of workflow time; customers in quiet are held for three hours.
// Batches run concurrently (InFlight), so the batch mock records under mu.
type broadcastBundle struct {
	env     *testsuite.TestWorkflowEnvironment
	members []string
	quiet   map[string]bool
	// until, when set for a quiet customer, is when their hold ends: a
	// page of held customers due in (DueAfter, DueBy] holds them then.
	until    map[string]time.Time
	statuses []string
	statusAt []time.Time
	mu       sync.Mutex
	batches  [][]string
	batchAt  []time.Time
	start    time.Time
	// onBatch answers each batch: batch unless a test sets another.
	onBatch func(context.Context, activities.BroadcastBatchInput) (activities.BroadcastBatchResult, error)
}

func broadcastSetup(t *testing.T, n int) *broadcastBundle {
	t.Helper()
	return broadcastSetupTaking(t, n, time.Minute)
}

// broadcastSetupTaking is broadcastSetup with each batch attempt taking
// batchTime of workflow time.
func broadcastSetupTaking(t *testing.T, n int, batchTime time.Duration) *broadcastBundle {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	b := &broadcastBundle{env: s.NewTestWorkflowEnvironment(), quiet: map[string]bool{}, until: map[string]time.Time{}}
	// On a busy machine (CI's two cores run test packages side by side) the
	// default 1 s deadlock check takes a slow scheduler for a stuck workflow.
	b.env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	for i := range n {
		b.members = append(b.members, fmt.Sprintf("c%04d", i))
	}
	b.start = b.env.Now()
	b.env.RegisterWorkflow(Broadcast)
	b.env.RegisterActivity(&activities.Activities{})
	var a *activities.Activities
	b.env.OnActivity(a.BroadcastStatus, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.BroadcastStatusInput) (activities.BroadcastStatusResult, error) {
			b.statuses, b.statusAt = append(b.statuses, in.Status), append(b.statusAt, b.env.Now())
			return activities.BroadcastStatusResult{Audience: len(b.members)}, nil
		}).Maybe()
	b.env.OnActivity(a.BroadcastPage, mock.Anything, mock.Anything).Return(b.page).Maybe()
	b.onBatch = b.batch
	b.env.OnActivity(a.BroadcastBatch, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.BroadcastBatchInput) (activities.BroadcastBatchResult, error) {
			return b.onBatch(ctx, in)
		}).After(batchTime).Maybe()
	return b
}

func (b *broadcastBundle) page(_ context.Context, in activities.BroadcastPageInput) (activities.BroadcastPageResult, error) {
	var ids []string
	for _, id := range b.members {
		if id <= in.After {
			continue
		}
		if !in.DueBy.IsZero() && !b.quiet[id] {
			continue
		}
		if u, ok := b.until[id]; ok && !in.DueBy.IsZero() && (!u.After(in.DueAfter) || u.After(in.DueBy)) {
			continue
		}
		if ids = append(ids, id); len(ids) == in.Limit {
			break
		}
	}
	return activities.BroadcastPageResult{CustomerIDs: ids}, nil
}

func (b *broadcastBundle) batch(_ context.Context, in activities.BroadcastBatchInput) (activities.BroadcastBatchResult, error) {
	b.mu.Lock()
	b.batches = append(b.batches, in.CustomerIDs)
	b.batchAt = append(b.batchAt, in.Now)
	b.mu.Unlock()
	res := activities.BroadcastBatchResult{Skipped: map[string]int{}}
	for _, id := range in.CustomerIDs {
		if b.quiet[id] && in.Now.Before(b.start.Add(3*time.Hour)) {
			res.Deferred++
			res.DeferredUntil = []time.Time{b.start.Add(3 * time.Hour)}
		} else {
			res.Sent++
		}
	}
	return res, nil
}

func (b *broadcastBundle) run(in BroadcastInput) BroadcastProgress {
	in.Spec = activities.BroadcastSpec{WorkspaceID: "default", BroadcastID: "winter", SegmentID: "all", Channel: "email"}
	b.env.ExecuteWorkflow(Broadcast, in)
	var p BroadcastProgress
	if b.env.IsWorkflowCompleted() && b.env.GetWorkflowError() == nil {
		_ = b.env.GetWorkflowResult(&p)
	}
	return p
}

func (b *broadcastBundle) signal(after time.Duration, c BroadcastControl) {
	b.env.RegisterDelayedCallback(func() { b.env.SignalWorkflow(BroadcastControlSignal, c) }, after)
}

func (b *broadcastBundle) query(t *testing.T) BroadcastProgress {
	t.Helper()
	v, err := b.env.QueryWorkflow(BroadcastProgressQuery)
	if err != nil {
		t.Fatal(err)
	}
	var p BroadcastProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBroadcast(t *testing.T) {
	t.Run("SendsTheSegmentInBatchesAndTheQuietOnesWhenTheirWindowEnds", func(t *testing.T) {
		b := broadcastSetup(t, 2500)
		b.quiet["c0007"], b.quiet["c2001"] = true, true
		p := b.run(BroadcastInput{})
		if err := b.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		// The first two batches run at once, so they may be recorded in either order.
		if len(b.batches) != 4 || !slices.Equal(slices.Sorted(slices.Values(lens(b.batches[:3]))), []int{500, 1000, 1000}) ||
			len(b.batches[2]) != 500 || !slices.Equal(b.batches[3], []string{"c0007", "c2001"}) {
			t.Fatalf("batches of %v; want 1000, 1000, 500, then the two quiet customers", lens(b.batches))
		}
		if at := b.batchAt[3]; at.Before(b.start.Add(3 * time.Hour)) {
			t.Errorf("the quiet customers were sent at %v, before their window ended at %v", at, b.start.Add(3*time.Hour))
		}
		if p.Status != store.BroadcastCompleted || p.Sent != 2500 || p.Deferred != 0 || p.Remaining != 0 || p.Audience != 2500 {
			t.Errorf("progress = %+v", p)
		}
		if !slices.Equal(b.statuses, []string{"sending", "completed"}) {
			t.Errorf("statuses %v", b.statuses)
		}
	})
	t.Run("WaitsForSendAtAndARescheduleMovesIt", func(t *testing.T) {
		b := broadcastSetup(t, 10)
		b.signal(time.Hour, BroadcastControl{Action: BroadcastReschedule, SendAt: b.start.Add(5 * time.Hour)})
		b.run(BroadcastInput{SendAt: b.start.Add(2 * time.Hour)})
		if len(b.batchAt) != 1 || b.batchAt[0].Before(b.start.Add(5*time.Hour)) {
			t.Fatalf("batches at %v; want one at %v", b.batchAt, b.start.Add(5*time.Hour))
		}
	})
	t.Run("PausesBetweenBatchesUntilResumed", func(t *testing.T) {
		b := broadcastSetup(t, 3000)
		b.signal(90*time.Second, BroadcastControl{Action: BroadcastPause})
		var paused BroadcastProgress
		b.env.RegisterDelayedCallback(func() { paused = b.query(t) }, 30*time.Minute)
		b.signal(time.Hour, BroadcastControl{Action: BroadcastResume})
		p := b.run(BroadcastInput{InFlight: 1})
		if len(b.batchAt) != 3 || b.batchAt[2].Before(b.start.Add(time.Hour)) {
			t.Fatalf("batches at %v; want the third after the resume at %v", b.batchAt, b.start.Add(time.Hour))
		}
		if paused.Status != store.BroadcastPaused || paused.Sent != 2000 || paused.Remaining != 1000 {
			t.Errorf("progress while paused = %+v", paused)
		}
		if !slices.Equal(b.statuses, []string{"sending", "paused", "sending", "completed"}) || p.Sent != 3000 {
			t.Errorf("statuses %v, progress %+v", b.statuses, p)
		}
	})
	t.Run("CancelStopsBetweenBatches", func(t *testing.T) {
		b := broadcastSetup(t, 5000)
		b.signal(90*time.Second, BroadcastControl{Action: BroadcastCancel})
		p := b.run(BroadcastInput{InFlight: 1})
		if len(b.batches) != 2 || p.Status != store.BroadcastCancelled || p.Sent != 2000 || p.Remaining != 3000 {
			t.Fatalf("%d batches, progress %+v; want 2 and cancelled", len(b.batches), p)
		}
		if !slices.Equal(b.statuses, []string{"sending", "cancelled"}) {
			t.Errorf("statuses %v", b.statuses)
		}
	})
	t.Run("RunsTwoBatchesAtOnceByDefault", func(t *testing.T) {
		b := broadcastSetup(t, 4000)
		p := b.run(BroadcastInput{})
		if len(b.batchAt) != 4 || !b.batchAt[0].Equal(b.batchAt[1]) || !b.batchAt[2].Equal(b.batchAt[3]) || !b.batchAt[2].After(b.batchAt[0]) {
			t.Fatalf("batches at %v; want two, then two a minute later", b.batchAt)
		}
		if p.Sent != 4000 || p.Batches != 4 || p.Status != store.BroadcastCompleted {
			t.Errorf("progress %+v", p)
		}
	})
	t.Run("ContinuesAsNewWithItsProgress", func(t *testing.T) {
		b := broadcastSetup(t, 5000)
		b.run(BroadcastInput{BatchSize: 1000, RunBatches: 2})
		var can *workflow.ContinueAsNewError
		if err := b.env.GetWorkflowError(); !errors.As(err, &can) {
			t.Fatalf("want continue-as-new after 2 batches, got %v", err)
		}
		var next BroadcastInput
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
			t.Fatal(err)
		}
		if next.State == nil || next.State.After != "c1999" || next.State.Progress.Sent != 2000 || next.State.Phase != phaseSegment {
			t.Fatalf("next run's state = %+v", next.State)
		}
	})
}

func lens(batches [][]string) []int {
	out := make([]int, len(batches))
	for i, b := range batches {
		out[i] = len(b)
	}
	return out
}
