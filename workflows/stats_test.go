package workflows

import (
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// reported merges what a run reported over all its RecordRun calls.
func (b *bundle) reported() (steps []activities.RunStep, leaves []activities.RunLeave, convs []activities.RunConversion, exit *activities.RunExit) {
	for _, r := range b.reports {
		steps, leaves, convs = append(steps, r.Steps...), append(leaves, r.Leaves...), append(convs, r.Conversions...)
		if r.Exit != nil {
			exit = r.Exit
		}
	}
	return
}

func TestRunStatistics(t *testing.T) {
	const shop = `
entry: { event: signup }
goal: { event: purchase, window: 72h }
nodes:
  - { id: ab, kind: split, variants: [{ name: a, weight: 1, next: pause }] }
  - { id: pause, kind: wait, duration: 4d, next: done }
  - { id: done, kind: exit }`
	buy := func(id string, props map[string]any) journey.Event {
		return journey.Event{MessageID: id, Name: "purchase", Properties: props}
	}

	t.Run("ReportsStepsEdgesVariantAndExit", func(t *testing.T) {
		b := setup(t)
		b.run(t, def(t, shop), saturdayNight)
		steps, leaves, _, exit := b.reported()
		wantSteps := []activities.RunStep{
			{Seq: 1, Node: "ab", Kind: "split", EnteredAt: saturdayNight, Variant: "a"},
			{Seq: 2, Node: "pause", Kind: "wait", EnteredAt: saturdayNight},
			{Seq: 3, Node: "done", Kind: "exit", EnteredAt: saturdayNight.Add(96 * time.Hour)},
		}
		wantLeaves := []activities.RunLeave{{Seq: 1, Next: "pause"}, {Seq: 2, Next: "done"}, {Seq: 3, Next: ""}}
		if !reflect.DeepEqual(steps, wantSteps) || !reflect.DeepEqual(leaves, wantLeaves) {
			t.Errorf("steps %+v\nleaves %+v", steps, leaves)
		}
		if exit == nil || exit.Reason != "done" || !exit.At.Equal(saturdayNight.Add(96*time.Hour)) {
			t.Errorf("exit = %+v", exit)
		}
		// One report at the wait (entry, split, wait), one at the end.
		if len(b.reports) != 2 || b.reports[0].RunKey == "" || !b.reports[0].EnteredAt.Equal(saturdayNight) {
			t.Errorf("%d reports, first %+v", len(b.reports), b.reports[0])
		}
	})

	t.Run("CountsEveryPurchaseInTheWindowWithItsRevenue", func(t *testing.T) {
		b := setup(t)
		b.signal(time.Hour, buy("p1", map[string]any{"revenue": 100.0}))
		b.signal(2*time.Hour, buy("p2", map[string]any{"total": "50"}))
		b.signal(3*time.Hour, buy("p2", map[string]any{"total": "50"})) // the same event again
		b.signal(4*time.Hour, buy("p3", map[string]any{"currency": "JPY"}))
		b.run(t, def(t, shop), saturdayNight)
		_, _, convs, _ := b.reported()
		want := []activities.RunConversion{
			{MessageID: "p1", At: saturdayNight.Add(time.Hour), Revenue: 100},
			{MessageID: "p2", At: saturdayNight.Add(2 * time.Hour), Revenue: 50},
			{MessageID: "p3", At: saturdayNight.Add(4 * time.Hour), Revenue: 0},
		}
		if !reflect.DeepEqual(convs, want) {
			t.Errorf("conversions = %+v, want %+v", convs, want)
		}
	})

	t.Run("CountsAPurchaseExactlyAtTheWindowsEndAndNotAfter", func(t *testing.T) {
		b := setup(t)
		b.signal(72*time.Hour, buy("edge", map[string]any{"revenue": 1.0}))
		b.signal(72*time.Hour+time.Second, buy("late", map[string]any{"revenue": 2.0}))
		b.run(t, def(t, shop), saturdayNight)
		_, _, convs, _ := b.reported()
		if len(convs) != 1 || convs[0].MessageID != "edge" || !convs[0].At.Equal(saturdayNight.Add(72*time.Hour)) {
			t.Errorf("conversions = %+v, want only the one at 72h", convs)
		}
	})

	t.Run("ReportsAHoldoutEntrant", func(t *testing.T) {
		b := setup(t)
		b.run(t, def(t, shop+"\nholdout: { percent: 99.99 }"), saturdayNight)
		if len(b.reports) == 0 || !b.reports[0].Holdout {
			t.Errorf("reports %+v; want the entry reported as holdout", b.reports)
		}
		b = setup(t)
		b.run(t, def(t, shop), saturdayNight)
		if len(b.reports) == 0 || b.reports[0].Holdout {
			t.Errorf("reports %+v; want no holdout without one", b.reports)
		}
	})
}
