package api

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tabiji/tabiji/experiment"
)

// TestJourneyExperimentsGlobalControlIsTakenAtEntry: the global control
// arm holds the runs whose customers were in the group when they entered;
// changing the share afterwards re-files none of them.
func TestJourneyExperimentsGlobalControlIsTakenAtEntry(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	if _, err := b.store.CreateJourney(context.Background(), "w", "promo", "Promo", json.RawMessage(splitJourney)); err != nil {
		t.Fatal(err)
	}
	put := func(percent float64) {
		if status, body := b.do(t, "PUT", "/v1/global-control", admin, fmt.Sprintf(`{"percent":%g}`, percent)); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
	}
	put(20)
	reportRuns(t, b.store, "g", "a", false, 200, 0) // g0…g199 enter with a 20% group
	put(0)
	reportRuns(t, b.store, "n", "a", false, 100, 0) // n0…n99 enter with none
	var inGroup int64
	for i := range 200 {
		if experiment.InGlobalControl(20, "w", fmt.Sprintf("g%d", i)) {
			inGroup++
		}
	}
	for _, percent := range []float64{0, 50} {
		put(percent)
		var got experimentsResponse
		status, body := b.do(t, "GET", "/v1/journeys/promo/experiments", admin, "")
		if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
			t.Fatalf("%d %s", status, body)
		}
		var gc, split *experimentsArms
		for _, e := range got.Experiments {
			arms := experimentsArms{control: e.Result.Control.Entered}
			for _, a := range e.Result.Arms {
				arms.others = append(arms.others, a.Entered)
			}
			switch e.Kind {
			case "global_control":
				gc = &arms
			case "split":
				split = &arms
			}
		}
		if gc == nil || gc.control != inGroup || gc.others[0] != 300-inGroup || inGroup == 0 {
			t.Errorf("share now %g: global control %+v, want %d against %d", percent, gc, inGroup, 300-inGroup)
		}
		if split == nil || split.others[0] != 300-inGroup {
			t.Errorf("share now %g: split %+v, want variant a without the %d in the group", percent, split, inGroup)
		}
	}
}

type experimentsArms struct {
	control int64
	others  []int64
}
