package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
)

const welcome = `
entry: { event: signup }
nodes:
  - { id: pause, kind: wait, duration: 1d, next: hello }
  - { id: hello, kind: send, channel: email, template: { body: hi }, next: later }
  - { id: later, kind: wait, duration: 2d, next: again }
  - { id: again, kind: send, channel: email, template: { body: again }, next: done }
  - { id: done, kind: exit }`

func TestExitCriteria(t *testing.T) {
	t.Run("AnExitEventEndsTheRunAtAnyStep", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(36*time.Hour, journey.Event{MessageID: "u1", Name: "unsubscribe"})
		res := b.run(t, def(t, welcome+`
exit_criteria: { events: [{ event: unsubscribe }] }`), saturdayNight)
		if res.Outcome != OutcomeExitCriteria || len(b.sends) != 1 || path(res) != "pause,hello,later" {
			t.Errorf("result %+v after %d sends", res, len(b.sends))
		}
	})
	t.Run("AConditionOnTheProfileIsCheckedAtEveryStep", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.env.RegisterDelayedCallback(func() { b.profile.Tags = []string{"do_not_contact"} }, 30*time.Hour)
		res := b.run(t, def(t, welcome+`
exit_criteria: { condition: '"do_not_contact" in profile.tags' }`), saturdayNight)
		if res.Outcome != OutcomeExitCriteria || len(b.sends) != 1 || path(res) != "pause,hello,later,again" {
			t.Errorf("result %+v after %d sends", res, len(b.sends))
		}
	})
}

func TestGoal(t *testing.T) {
	goal := `
goal: { event: purchase, match: 'event.properties.total > 10', window: 72h, exit_on_goal: %s }`
	t.Run("RecordsTheConversionAndExitsWhenAsked", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(12*time.Hour, journey.Event{MessageID: "p0", Name: "purchase", Properties: map[string]any{"total": 5.0}})
		b.signal(30*time.Hour, journey.Event{MessageID: "p1", Name: "purchase", Properties: map[string]any{"total": 50.0}})
		res := b.run(t, def(t, welcome+sprintf(goal, "true")), saturdayNight)
		st := b.state(t)
		if res.Outcome != OutcomeGoal || st.Goal == nil || st.Goal.MessageID != "p1" || !st.Goal.At.Equal(saturdayNight.Add(30*time.Hour)) {
			t.Errorf("result %+v, goal %+v", res, st.Goal)
		}
	})
	t.Run("RecordsWithoutExitingAndOnlyWithinTheWindow", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.signal(30*time.Hour, journey.Event{MessageID: "p1", Name: "purchase", Properties: map[string]any{"total": 50.0}})
		res := b.run(t, def(t, welcome+sprintf(goal, "false")), saturdayNight)
		if st := b.state(t); res.Outcome != "done" || st.Goal == nil || len(b.sends) != 2 {
			t.Errorf("result %+v, goal %+v, %d sends", res, st.Goal, len(b.sends))
		}
		b = setup(t)
		b.sendSucceeds()
		b.signal(80*time.Hour, journey.Event{MessageID: "p1", Name: "purchase", Properties: map[string]any{"total": 50.0}})
		b.run(t, def(t, `
entry: { event: signup }
nodes:
  - { id: long, kind: wait, duration: 5d, next: done }
  - { id: done, kind: exit }`+sprintf(goal, "false")), saturdayNight)
		if st := b.state(t); st.Goal != nil {
			t.Errorf("a purchase after the 72h window counted: %+v", st.Goal)
		}
	})
}

func TestQuietHours(t *testing.T) {
	quiet := `
entry: { event: signup }
quiet_hours: { start: "21:00", end: "08:00", timezone: Asia/Tokyo, action: %s }
nodes:` + sendAndExit
	t.Run("ASendInsideWaitsForTheEnd", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.run(t, def(t, sprintf(quiet, "wait")), saturdayNight) // 21:00 Saturday in Tokyo
		want := time.Date(2026, 11, 22, 8, 0, 0, 0, mustZone(t, "Asia/Tokyo"))
		if len(b.sentAt) != 1 || !b.sentAt[0].Equal(want) {
			t.Errorf("sent at %v, want %v", b.sentAt, want)
		}
	})
	t.Run("ASendInsideIsSkippedWhenAsked", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		res := b.run(t, def(t, sprintf(quiet, "skip")), saturdayNight)
		if len(b.sends) != 0 || res.Outcome != "done" || b.state(t).Steps[0].Outcome != "skipped: quiet hours" {
			t.Errorf("sends %d, result %+v", len(b.sends), res)
		}
	})
	t.Run("TheCustomersZoneWins", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.profile.Timezone = "Europe/London" // 12:00 there: not quiet
		b.run(t, def(t, sprintf(quiet, "wait")), saturdayNight)
		if len(b.sentAt) != 1 || !b.sentAt[0].Equal(saturdayNight) {
			t.Errorf("sent at %v, want at once", b.sentAt)
		}
	})
}

func TestLifecycleSignals(t *testing.T) {
	t.Run("APausedRunHoldsBeforeItsNextSendUntilResumed", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.env.RegisterDelayedCallback(func() { b.env.SignalWorkflow(PauseSignal, nil) }, time.Hour)
		b.env.RegisterDelayedCallback(func() {
			if st := b.state(t); !st.Paused || st.Node != "hello" || len(b.sends) != 0 {
				t.Errorf("while paused: %+v, %d sends", st, len(b.sends))
			}
			b.env.SignalWorkflow(ResumeSignal, nil)
		}, 5*24*time.Hour)
		b.run(t, def(t, welcome), saturdayNight)
		if len(b.sentAt) != 2 || !b.sentAt[0].Equal(saturdayNight.Add(5*24*time.Hour)) {
			t.Errorf("sent at %v, want the first at the resume", b.sentAt)
		}
	})
	t.Run("AnArchivedRunEndsCleanly", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.env.RegisterDelayedCallback(func() { b.env.SignalWorkflow(ArchiveSignal, nil) }, time.Hour)
		res := b.run(t, def(t, welcome), saturdayNight)
		if res.Outcome != OutcomeArchived || len(b.sends) != 0 {
			t.Errorf("result %+v, %d sends", res, len(b.sends))
		}
	})
	t.Run("AMigratedRunGoesOnInTheNewVersionAtTheSameNode", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		v2 := def(t, `
entry: { event: signup }
nodes:
  - { id: pause, kind: wait, duration: 2d, next: hi2 }
  - { id: hi2, kind: send, channel: line, template: { body: v2 }, next: done }
  - { id: done, kind: exit }`)
		b.env.RegisterDelayedCallback(func() { b.env.SignalWorkflow(MigrateSignal, Migration{Version: 2, Definition: v2}) }, time.Hour)
		res := b.run(t, def(t, welcome), saturdayNight)
		st := b.state(t)
		if path(res) != "pause,hi2,done" || st.Version != 2 || len(b.sends) != 1 || b.sends[0].Version != 2 {
			t.Errorf("result %+v, state version %d, sends %+v", res, st.Version, b.sends)
		}
		if !b.sentAt[0].Equal(saturdayNight.Add(48 * time.Hour)) {
			t.Errorf("sent at %v: the wait must count from when the run reached it", b.sentAt[0])
		}
	})
	t.Run("AMigrationToAVersionWithoutTheNodeIsRefused", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		v2 := def(t, `
entry: { event: signup }
nodes: [{ id: other, kind: exit }]`)
		b.env.RegisterDelayedCallback(func() { b.env.SignalWorkflow(MigrateSignal, Migration{Version: 2, Definition: v2}) }, time.Hour)
		res := b.run(t, def(t, welcome), saturdayNight)
		if st := b.state(t); res.Outcome != "done" || st.Version != 1 || len(st.Migrations) != 1 {
			t.Errorf("result %+v, state %+v", res, st)
		}
	})
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
