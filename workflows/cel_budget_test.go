package workflows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/journey"
)

// nestedLoops is a condition of ten million iterations: about ten seconds
// of workflow code without the cost limit, which Temporal's deadlock
// detector (one second) turns into a panic and a workflow task retried
// forever. It stands for a condition stored before save-time checks
// refused it (CheckCondition refuses it now).
func nestedLoops() string {
	ten := "[0,1,2,3,4,5,6,7,8,9]"
	src, closing := "", ""
	for _, v := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		src += ten + ".exists(" + v + ", "
		closing += ")"
	}
	return src + "g < 0" + closing
}

// doublingMatch doubles an event string at each of six nested levels: it
// passes CheckCondition (the properties are dyn, so the estimate sees each
// `+` as one operation) and overruns the limit on a 30,000-character value.
const doublingMatch = `[event.properties.s + event.properties.s].exists(a, [a + a].exists(b, [b + b].exists(c, ` +
	`[c + c].exists(d, [d + d].exists(e, [e + e].exists(f, f == ""))))))`

func TestConditionsOverTheCostLimit(t *testing.T) {
	t.Run("ABranchEndsTheRunNamingItsField", func(t *testing.T) {
		d := def(t, `
entry: { event: signup }
nodes:
  - { id: check, kind: branch, cases: [{ condition: 'profile.id == "x"', next: yes }], default: no }
  - { id: "yes", kind: exit }
  - { id: "no", kind: exit }`)
		d.Nodes[0].Cases[0].Condition = nestedLoops()
		if journey.CheckCondition(nestedLoops()) == nil {
			t.Fatal("CheckCondition accepts the nested loops")
		}
		b := setup(t)
		start := time.Now()
		res := b.run(t, d, saturdayNight)
		if res.Outcome != OutcomeCostLimit || path(res) != "check" {
			t.Fatalf("result %+v; want outcome %s at check", res, OutcomeCostLimit)
		}
		st := b.state(t)
		if got := st.Steps[len(st.Steps)-1].Outcome; !strings.Contains(got, "nodes[0].cases[0].condition costs more than the CEL cost limit") {
			t.Errorf("step outcome %q", got)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the run took %v", d)
		}
	})
	t.Run("AWaitForMatchEndsTheRun", func(t *testing.T) {
		if err := journey.CheckCondition(doublingMatch); err != nil {
			t.Fatalf("CheckCondition: %v", err)
		}
		b := setup(t)
		b.signal(time.Hour, journey.Event{MessageID: "o1", Name: "email_open", Properties: map[string]any{"s": strings.Repeat("a", 30000)}})
		res := b.run(t, def(t, strings.Replace(waitForOpen, `'event.properties.campaign == "welcome"'`, "'"+doublingMatch+"'", 1)), saturdayNight)
		if res.Outcome != OutcomeCostLimit || path(res) != "opened" {
			t.Fatalf("result %+v; want outcome %s at opened", res, OutcomeCostLimit)
		}
	})
	t.Run("ManyCostlyEventsInOneTaskDoNotTripTheDeadlockDetector", func(t *testing.T) {
		// 14^4 iterations: about 275,000 units, under the limit, and accepted
		// at save; 120 events carried over as pending are handled in one go.
		l := "[" + strings.TrimSuffix(strings.Repeat("0,", 14), ",") + "]"
		match := l + ".exists(a, " + l + ".exists(b, " + l + ".exists(c, " + l + ".exists(d, d < 0))))"
		if err := journey.CheckCondition(match); err != nil {
			t.Fatalf("CheckCondition: %v", err)
		}
		d := def(t, strings.Replace(waitForOpen, `'event.properties.campaign == "welcome"'`, "'"+match+"'", 1))
		in := input(d)
		in.Entry.Name = "signup"
		in.Carry = &Carry{
			State: State{WorkspaceID: in.WorkspaceID, JourneyID: in.JourneyID, Version: 1, CustomerID: in.CustomerID,
				Status: StatusRunning, Node: "opened", Kind: journey.KindWaitFor, StartedAt: saturdayNight,
				Steps: []Step{{Node: "opened", Kind: journey.KindWaitFor, EnteredAt: saturdayNight}}, Path: []string{"opened"}},
			EnteredAt: saturdayNight, Visits: map[string]int{"opened": 1},
		}
		for i := range 120 {
			in.Carry.Pending = append(in.Carry.Pending, journey.Event{MessageID: fmt.Sprintf("o%d", i), Name: "email_open"})
		}
		b := setup(t)
		b.env.SetStartTime(saturdayNight.Add(time.Hour))
		b.env.ExecuteWorkflow(Journey, in)
		if res := b.result(t); res.Outcome != "nudge" {
			t.Fatalf("result %+v; want the timeout (no event matches)", res)
		}
	})
	t.Run("AConditionWithinTheLimitStillMatches", func(t *testing.T) {
		b := setup(t)
		b.signal(time.Hour, journey.Event{MessageID: "o1", Name: "email_open", Properties: map[string]any{"s": "a"}})
		res := b.run(t, def(t, strings.Replace(waitForOpen, `'event.properties.campaign == "welcome"'`, "'!"+doublingMatch+"'", 1)), saturdayNight)
		if res.Outcome != "thanks" {
			t.Fatalf("result %+v; want thanks", res)
		}
	})
}
