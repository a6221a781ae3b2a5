package routing

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// cartJourney ends right after its split and email; its goal window runs on
// for 7 days. vip's goal counts only big purchases.
const (
	cartJourney = `{"entry":{"event":"cart"},"goal":{"event":"purchase","window":"7d"},"nodes":[
 {"id":"ab","kind":"split","variants":[{"name":"a","weight":1,"next":"done"}],"control":{"weight":1,"next":"done"}},
 {"id":"done","kind":"exit"}]}`
	vipJourney = `{"entry":{"event":"cart"},"variables":{"min":500},
 "goal":{"event":"purchase","window":"1d","match":"double(event.properties.total) >= journey.min && profile.traits.plan == \"vip\""},
 "nodes":[{"id":"done","kind":"exit"}]}`
)

func TestGoalAfterTheRunEnded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "w"); err != nil {
		t.Fatal(err)
	}
	for id, def := range map[string]string{"cart": cartJourney, "vip": vipJourney} {
		if _, err := st.CreateJourney(ctx, "w", id, id, json.RawMessage(def)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ActivateJourney(ctx, "w", id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{"plan": "vip"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := New(Deps{Store: st, Temporal: &signalRecorder{}})
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	run := func(journeyID, key, customer string, exited bool) store.RunReport {
		r := store.RunReport{WorkspaceID: "w", RunKey: key, JourneyID: journeyID, Version: 1, CustomerID: customer,
			WorkflowID: key, EnteredAt: t0}
		if journeyID == "cart" {
			r.Steps = []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: t0, Variant: "a"}, {Seq: 2, Node: "done", Kind: "exit", EnteredAt: t0}}
			r.Leaves = []store.RunLeave{{Seq: 1, Next: "done"}}
		}
		if exited {
			r.Leaves = append(r.Leaves, store.RunLeave{Seq: len(r.Steps), Next: ""})
			r.Exit = &store.RunExit{At: t0.Add(time.Second), Reason: "done"}
		}
		return r
	}
	for _, r := range []store.RunReport{run("cart", "cart/u1", "u1", true), run("cart", "cart/u2", "u2", false), run("vip", "vip/u1", "u1", true)} {
		if err := st.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	buy := func(customer, id string, at time.Time, total float64) {
		t.Helper()
		ev := journey.Event{MessageID: id, Name: "purchase", Timestamp: at, Properties: map[string]any{"total": total}}
		if _, err := s.Route(ctx, "w", customer, ev); err != nil {
			t.Fatal(err)
		}
	}
	type counts struct {
		converted, conversions int64
		revenue                float64
		variantConverted       int64
		messagedConverted      int64
	}
	check := func(t *testing.T, journeyID string, want counts) {
		t.Helper()
		stats, err := st.JourneyStats(ctx, "w", journeyID, store.StatsQuery{TZ: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		exp, err := st.ExperimentCounts(ctx, "w", journeyID, nil)
		if err != nil {
			t.Fatal(err)
		}
		kpi, err := st.RevenueByJourney(ctx, "w", store.KPIQuery{TZ: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		var kpiRevenue float64 = -1
		for _, k := range kpi {
			if k.JourneyID == journeyID {
				kpiRevenue = k.Revenue
			}
		}
		got := counts{stats.Totals.Converted, stats.Totals.Conversions, stats.Totals.Revenue,
			exp.Variants["ab"]["a"].Converted, exp.Messaged.Converted}
		if journeyID != "cart" {
			got.variantConverted = 0
		}
		if got != want || kpiRevenue != want.revenue {
			t.Errorf("%s: got %+v (KPI revenue %v), want %+v", journeyID, got, kpiRevenue, want)
		}
	}

	t.Run("WithinTheWindowAfterTheExitCounts", func(t *testing.T) {
		buy("u1", "p1", t0.Add(2*24*time.Hour), 100)
		check(t, "cart", counts{1, 1, 100, 1, 1})
	})
	t.Run("ARepeatedEventCountsOnce", func(t *testing.T) {
		buy("u1", "p1", t0.Add(2*24*time.Hour), 100) // the sweeper routes it again
		check(t, "cart", counts{1, 1, 100, 1, 1})
	})
	t.Run("ExactlyAtTheWindowsEndCounts", func(t *testing.T) {
		buy("u1", "p2", t0.Add(7*24*time.Hour), 50)
		check(t, "cart", counts{1, 2, 150, 1, 1})
	})
	t.Run("ASecondAfterTheWindowOrBeforeEntryDoesNot", func(t *testing.T) {
		buy("u1", "p3", t0.Add(7*24*time.Hour+time.Second), 70)
		buy("u1", "p4", t0.Add(-time.Hour), 80)
		check(t, "cart", counts{1, 2, 150, 1, 1})
	})
	t.Run("ARunThatIsGoingIsLeftToItsWorkflow", func(t *testing.T) {
		buy("u2", "q1", t0.Add(time.Hour), 30)
		stats, err := st.JourneyStats(ctx, "w", "cart", store.StatsQuery{TZ: "UTC"})
		if err != nil || stats.Totals.Conversions != 2 {
			t.Fatalf("conversions %d (%v): the going run was credited outside its workflow", stats.Totals.Conversions, err)
		}
		// Its workflow credits q1 and then ends, and the event is routed
		// again after the end (the sweeper, or a signal that raced the
		// end): it still counts once.
		r := run("cart", "cart/u2", "u2", true)
		r.Steps, r.Leaves = nil, []store.RunLeave{{Seq: 2, Next: ""}}
		r.Conversions = []store.RunConversion{{MessageID: "q1", At: t0.Add(time.Hour + time.Second), Revenue: 30}}
		if err := st.RecordRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		buy("u2", "q1", t0.Add(time.Hour), 30)
		check(t, "cart", counts{2, 3, 180, 2, 2})
	})
	t.Run("TheGoalMatchIsEvaluatedWithTheRunsVersion", func(t *testing.T) {
		// vip: 1-day window, total ≥ journey.min (500), profile plan vip.
		// p1 (100) was too small, p2 fell after its window; this one counts.
		buy("u1", "v1", t0.Add(3*time.Hour), 600)
		check(t, "vip", counts{1, 1, 600, 0, 1})
		if _, err := st.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{"plan": "free"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		buy("u1", "v2", t0.Add(4*time.Hour), 700)
		check(t, "vip", counts{1, 1, 600, 0, 1})
	})
}
