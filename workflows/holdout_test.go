package workflows

import (
	"fmt"
	"testing"

	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/journey"
)

// customerIn finds a customer of the cart journey in (or out of) a holdout.
func customerIn(percent float64, in bool) string {
	for i := 0; ; i++ {
		id := fmt.Sprintf("u_%d", i)
		if experiment.InHoldout(percent, "default", "cart_abandonment", id) == in {
			return id
		}
	}
}

func TestJourneyHoldout(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   bool
	}{{"AHeldOutCustomerWalksTheJourneyWithTheSendMarkedHoldout", true}, {"OthersAreSentAsUsual", false}} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.sendSucceeds()
			d := cartDefinition(t)
			d.Holdout = &journey.Holdout{Percent: 30}
			in := input(d)
			in.CustomerID = customerIn(30, tc.in)
			b.env.ExecuteWorkflow(Journey, in)
			if res := b.result(t); res.Outcome != "reminded" {
				t.Errorf("outcome = %q, want reminded: a held-out run still walks the journey", res.Outcome)
			}
			if len(b.sends) != 1 || b.sends[0].Holdout != tc.in {
				t.Fatalf("sends = %+v, want one with Holdout %v", b.sends, tc.in)
			}
			if st := b.state(t); st.Holdout != tc.in {
				t.Errorf("state holdout = %v, want %v", st.Holdout, tc.in)
			}
		})
	}
}
