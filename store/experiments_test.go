package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/store"
)

// experimentRun reports one run of journey j: entered at t0, a start node,
// the split ab (once, or twice when looping) a minute later with variant,
// and a conversion at each of convs minutes after t0.
func experimentRun(t *testing.T, b *testBundle, customer string, version int, holdout bool, variant string, loops bool, convs ...int) {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	r := store.RunReport{WorkspaceID: wsA, RunKey: "wf/" + customer + "/r1", JourneyID: "j", Version: version, CustomerID: customer,
		WorkflowID: "wf/" + customer, EnteredAt: t0, Holdout: holdout,
		Steps: []store.RunStep{{Seq: 1, Node: "start", Kind: "wait", EnteredAt: t0},
			{Seq: 2, Node: "ab", Kind: "split", EnteredAt: t0.Add(time.Minute), Variant: variant}}}
	if loops {
		r.Steps = append(r.Steps, store.RunStep{Seq: 3, Node: "start", Kind: "wait", EnteredAt: t0.Add(2 * time.Minute)},
			store.RunStep{Seq: 4, Node: "ab", Kind: "split", EnteredAt: t0.Add(3 * time.Minute), Variant: variant})
	}
	for i, m := range convs {
		r.Conversions = append(r.Conversions, store.RunConversion{MessageID: fmt.Sprintf("%s-buy-%d", customer, i), At: t0.Add(time.Duration(m) * time.Minute)})
	}
	mustNot(t, b.store.RecordRun(context.Background(), r))
}

func TestExperimentCounts(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	experimentRun(t, b, "r0", 1, true, "a", false, 5)
	experimentRun(t, b, "r1", 1, true, "control", false)
	experimentRun(t, b, "r2", 1, false, "a", false, 5)
	experimentRun(t, b, "r3", 1, false, "a", false, 0) // bought before the split
	experimentRun(t, b, "r4", 1, false, "a", false, 5, 6)
	experimentRun(t, b, "r5", 1, false, "a", false)
	experimentRun(t, b, "r6", 1, false, "control", false, 5)
	experimentRun(t, b, "r7", 1, false, "control", false)
	experimentRun(t, b, "r8", 1, false, "control", false)
	experimentRun(t, b, "r9", 1, false, "control", true) // split twice, one run
	experimentRun(t, b, "r10", 2, false, "a", false, 5)

	t.Run("ByHandWithoutAGlobalControlGroup", func(t *testing.T) {
		v1 := 1
		got, err := b.store.ExperimentCounts(ctx, wsA, "j", &v1)
		mustNot(t, err)
		want := store.ExperimentCounts{
			Holdout: store.ArmCounts{Entered: 2, Converted: 1}, Messaged: store.ArmCounts{Entered: 8, Converted: 4},
			Variants: map[string]map[string]store.ArmCounts{"ab": {"a": {Entered: 4, Converted: 2}, "control": {Entered: 4, Converted: 1}}},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		all, err := b.store.ExperimentCounts(ctx, wsA, "j", nil)
		mustNot(t, err)
		if a := all.Variants["ab"]["a"]; a.Entered != 5 || a.Converted != 3 || all.Messaged.Entered != 9 {
			t.Errorf("all versions: a = %+v, messaged %+v", a, all.Messaged)
		}
	})
	t.Run("TheGlobalControlGroupIsWhoWasInItAtEntry", func(t *testing.T) {
		// Journey g: the share is 50% while r2…r10 enter, then 0 while
		// s2…s10 enter, then 50% again: runs keep the arm they entered in.
		mustNot(t, b.store.PutGlobalControl(ctx, wsA, 50))
		var gc, messaged store.ArmCounts
		for i := 2; i <= 10; i++ {
			id := fmt.Sprintf("r%d", i)
			var convs []store.RunConversion
			if i%2 == 0 {
				convs = []store.RunConversion{{MessageID: id + "-buy", At: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}}
			}
			mustNot(t, b.store.RecordRun(ctx, store.RunReport{WorkspaceID: wsA, RunKey: "g/" + id, JourneyID: "g", Version: 1,
				CustomerID: id, WorkflowID: "g/" + id, EnteredAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Conversions: convs}))
			arm := &messaged
			if experiment.InGlobalControl(50, wsA, id) {
				arm = &gc
			}
			arm.Entered++
			arm.Converted += int64(len(convs))
		}
		mustNot(t, b.store.PutGlobalControl(ctx, wsA, 0))
		for i := 2; i <= 10; i++ {
			id := fmt.Sprintf("s%d", i)
			mustNot(t, b.store.RecordRun(ctx, store.RunReport{WorkspaceID: wsA, RunKey: "g/" + id, JourneyID: "g", Version: 1,
				CustomerID: id, WorkflowID: "g/" + id, EnteredAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}))
			messaged.Entered++
		}
		mustNot(t, b.store.PutGlobalControl(ctx, wsA, 50))
		t.Cleanup(func() { mustNot(t, b.store.PutGlobalControl(ctx, wsA, 0)) })
		got, err := b.store.ExperimentCounts(ctx, wsA, "g", nil)
		mustNot(t, err)
		if got.GlobalControl != gc || got.Messaged != messaged || gc.Entered == 0 || gc.Converted == 0 || messaged.Entered <= 9 {
			t.Errorf("global control %+v messaged %+v; want %+v and %+v", got.GlobalControl, got.Messaged, gc, messaged)
		}
		j, err := b.store.ExperimentCounts(ctx, wsA, "j", nil)
		mustNot(t, err)
		if j.GlobalControl.Entered != 0 || j.Messaged.Entered != 9 || j.Holdout.Entered != 2 {
			t.Errorf("journey j, entered without a global control group, now counts %+v", j)
		}
	})
	t.Run("AnotherWorkspaceSeesNothing", func(t *testing.T) {
		got, err := b.store.ExperimentCounts(ctx, wsB, "j", nil)
		mustNot(t, err)
		if got.Messaged.Entered != 0 || len(got.Variants) != 0 {
			t.Errorf("workspace b sees %+v", got)
		}
	})
}

// TestExperimentCountsKeepErasedCustomers: erasing a customer deletes its
// runs but not what they added to the counters, which name no customer
// (as the statistics' counters).
func TestExperimentCountsKeepErasedCustomers(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	experimentRun(t, b, "keep", 1, false, "a", false, 5)
	experimentRun(t, b, "gone", 1, false, "a", false, 5)
	before, err := b.store.ExperimentCounts(ctx, wsA, "j", nil)
	mustNot(t, err)
	_, err = b.store.EraseCustomer(ctx, wsA, "gone", []string{"gone"}, "key", 0)
	mustNot(t, err)
	after, err := b.store.ExperimentCounts(ctx, wsA, "j", nil)
	mustNot(t, err)
	want := store.ArmCounts{Entered: 2, Converted: 2}
	if after.Messaged != want || after.Variants["ab"]["a"] != want || fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("after erasure %+v, before %+v", after, before)
	}
	if left := recountExperiments(t, b.db, wsA, "j", nil); left.Messaged.Entered != 1 {
		t.Errorf("the erased run is still stored: %+v", left)
	}
}
