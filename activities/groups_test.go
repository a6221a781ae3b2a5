package activities

import (
	"cmp"
	"context"
	"fmt"
	"testing"

	"github.com/tabiji/tabiji/experiment"
)

func TestControlGroupsSkipSends(t *testing.T) {
	t.Run("TheJourneysHoldoutIsSkippedWithReasonHoldout", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetup(t, f)
		in := emailInput()
		in.Holdout = true
		res, err := b.send(t, in)
		if err != nil || res.Status != MessageSkipped || res.Reason != ReasonHoldout {
			t.Fatalf("got %+v, %v; want skipped: holdout", res, err)
		}
		if len(f.got) != 0 {
			t.Errorf("the provider got %d messages for a held-out customer", len(f.got))
		}
		if m := b.status(t, in.MessageID); m.Status != MessageSkipped || m.Body != ReasonHoldout {
			t.Errorf("row %+v, want skipped with body holdout", m)
		}
	})
	t.Run("TransactionalSendsPassTheHoldout", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetup(t, f)
		in := emailInput()
		in.Holdout, in.Transactional = true, true
		if res, err := b.send(t, in); err != nil || res.Status != MessageSent {
			t.Fatalf("got %+v, %v; want sent", res, err)
		}
	})
	t.Run("TheGlobalControlGroupIsSkippedAndTheOthersSent", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetup(t, f)
		if err := b.store.PutGlobalControl(context.Background(), "default", 50); err != nil {
			t.Fatal(err)
		}
		var inside, outside string
		for i := 0; inside == "" || outside == ""; i++ {
			id := fmt.Sprintf("u_%d", i)
			if experiment.InGlobalControl(50, "default", id) {
				inside = cmp.Or(inside, id)
			} else {
				outside = cmp.Or(outside, id)
			}
		}
		for _, c := range []struct{ id, status, reason string }{{inside, MessageSkipped, ReasonGlobalControl}, {outside, MessageSent, ""}} {
			in := emailInput()
			in.CustomerID, in.MessageID = c.id, in.MessageID+"/"+c.id
			res, err := b.send(t, in)
			if err != nil || res.Status != c.status || res.Reason != c.reason {
				t.Errorf("%s: got %+v, %v; want %s %q", c.id, res, err, c.status, c.reason)
			}
		}
		if len(f.got) != 1 || f.got[0].CustomerID != outside {
			t.Errorf("the provider got %+v, want one message to %s", f.got, outside)
		}
	})
}
