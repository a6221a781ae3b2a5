package workflows

import (
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
	t.Run("AConditionWithinTheLimitStillMatches", func(t *testing.T) {
		b := setup(t)
		b.signal(time.Hour, journey.Event{MessageID: "o1", Name: "email_open", Properties: map[string]any{"s": "a"}})
		res := b.run(t, def(t, strings.Replace(waitForOpen, `'event.properties.campaign == "welcome"'`, "'!"+doublingMatch+"'", 1)), saturdayNight)
		if res.Outcome != "thanks" {
			t.Fatalf("result %+v; want thanks", res)
		}
	})
}
