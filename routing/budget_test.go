package routing

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
)

// TestEntryFilterInterruptedIsARoutingError checks that a filter stopped
// because the request ended leaves the event to the sweeper (an error),
// rather than deciding the event enters nobody.
func TestEntryFilterInterruptedIsARoutingError(t *testing.T) {
	t.Parallel()
	s := New(Deps{Store: pgtest.Store(t)})
	filter, err := journey.Compile(`event.properties.items.exists(i, i < 0)`)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]any, 1000)
	for i := range items {
		items[i] = float64(i)
	}
	j := activeJourney{id: "j", version: 1, filter: filter}
	ev := journey.Event{Name: "e", Properties: map[string]any{"items": items}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := s.passesFilter(ctx, j, "w", "u", ev); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("passesFilter with an ended request = %v, %v; want context.Canceled", ok, err)
	}
	if ok, err := s.passesFilter(context.Background(), j, "w", "u", ev); ok || err != nil {
		t.Errorf("passesFilter = %v, %v; want false", ok, err)
	}
}

// TestGoalMatchCacheIsBounded: goal matches come from every workspace, so
// the cache of compiled ones stops growing at its cap.
func TestGoalMatchCacheIsBounded(t *testing.T) {
	for i := range goalMatchesCap + 100 {
		if goalMatch(fmt.Sprintf(`event.properties.n == %d`, i)) == nil {
			t.Fatalf("match %d did not compile", i)
		}
	}
	if n := goalMatchesSize.Load(); n > goalMatchesCap {
		t.Errorf("the cache holds %d matches; the cap is %d", n, goalMatchesCap)
	}
	if goalMatch(`event.name ==`) != nil {
		t.Error("a match that does not compile compiled")
	}
}
