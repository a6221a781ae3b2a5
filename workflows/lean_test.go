package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// A lean run (started at leanVersion, as every new run is) shows its step
// where it waits and ends, not at every node, and leaves reading the
// profile to Send when the workflow itself does not need it.
func TestALeanRunSpendsFewerHistoryEvents(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: check, kind: branch, cases: [{ condition: 'profile.id == "u_1"', next: hello }], default: done }
  - { id: hello, kind: send, channel: email, template: { body: "Hi {{ customer.id }}" }, next: pause }
  - { id: pause, kind: wait, duration: 1h, next: again }
  - { id: again, kind: send, channels: [line, email], template: { body: "Again" }, next: done }
  - { id: done, kind: exit }`)
	b := setup(t)
	b.sendSucceeds()
	var upserts [][]string
	b.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		var set []string
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(AttrStep); ok {
			set = append(set, "step="+v)
		}
		if v, ok := sa.GetKeyword(AttrOutcome); ok {
			set = append(set, "outcome="+v)
		}
		upserts = append(upserts, set)
	}).Return()
	if res := b.run(t, d, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)); res.Outcome != "done" {
		t.Fatalf("outcome %q", res.Outcome)
	}
	var got []string
	for _, u := range upserts {
		got = append(got, strings.Join(u, "+"))
	}
	// check and hello run in the first workflow task: only hello, where the
	// run waits on Send, is shown; the end is one upsert.
	if want := "step=hello,step=pause,step=again,step=done+outcome=done"; strings.Join(got, ",") != want {
		t.Errorf("upserts %s, want %s", strings.Join(got, ","), want)
	}
	// The branch reads the profile for its condition; hello, on one channel,
	// leaves it to Send; again chooses between channels, so it reads it.
	if b.loads != 2 || len(b.sends) != 2 {
		t.Fatalf("%d profile loads, %d sends; want 2 and 2", b.loads, len(b.sends))
	}
	if b.sends[0].Profile != nil || b.sends[1].Profile == nil {
		t.Errorf("profiles sent: %v, %v; want nil (hello's step read none), then the run's", b.sends[0].Profile, b.sends[1].Profile)
	}
}

// A run entered with its shape in its input (as EnterJourney enters every
// run) asks for no version: no marker, no TemporalChangeVersion upsert. It
// is lean and reports its statistics, as a run the marker put on
// leanVersion does; an input without a shape (a run entered before) still
// asks.
func TestARunEnteredWithItsShapeAsksForNoVersion(t *testing.T) {
	d := def(t, `
entry: { event: signup }
nodes:
  - { id: hello, kind: send, channel: email, template: { body: "Hi" }, next: done }
  - { id: done, kind: exit }`)
	for _, tc := range []struct {
		name  string
		shape int
		asks  bool
	}{{"EnteredWithItsShape", int(leanVersion), false}, {"EnteredBefore", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.sendSucceeds()
			asked := false
			b.env.OnGetVersion(statsChange, workflow.DefaultVersion, workflow.Version(leanVersion)).Run(func(mock.Arguments) { asked = true }).Return(workflow.Version(leanVersion))
			in := input(d)
			in.Shape = tc.shape
			b.env.ExecuteWorkflow(Journey, in)
			if res := b.result(t); res.Outcome != "done" {
				t.Fatalf("outcome %q", res.Outcome)
			}
			if asked != tc.asks {
				t.Errorf("asked for the run-stats version: %v, want %v", asked, tc.asks)
			}
			if len(b.reports) != 1 || b.reports[0].Exit == nil || len(b.reports[0].Steps) != 2 {
				t.Errorf("reports %+v, want one with both steps and the exit", b.reports)
			}
			if len(b.sends) != 1 || b.sends[0].Profile != nil {
				t.Errorf("sends %+v, want one leaving the profile to Send (lean)", b.sends)
			}
		})
	}
}
