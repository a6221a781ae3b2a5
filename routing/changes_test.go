package routing

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// within polls cond every 10 ms until it holds, failing after d.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// entering reports how the index sees the journey: absent, or whether it
// enters customers.
func entering(t *testing.T, r *Router, journeyID string) (found, enters bool) {
	t.Helper()
	all, err := r.journeys.active(context.Background(), "w")
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		if j.id == journeyID {
			return true, j.enters
		}
	}
	return false, false
}

// TestChangesReachEveryIndex: a change committed by another process (here
// the store, bypassing this Router) reaches the index well within the
// index's 5-second lifetime, and while changes are not heard the index
// caches nothing.
func TestChangesReachEveryIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "w"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateJourney(ctx, "w", "cart", "cart", json.RawMessage(cartJourney)); err != nil {
		t.Fatal(err)
	}
	changes := NewChanges(st, nil)
	done := make(chan struct{})
	go func() { defer close(done); changes.Run(ctx) }()
	within(t, 10*time.Second, "listening", changes.Live)
	r := New(Deps{Store: st, Changes: changes})
	if found, _ := entering(t, r, "cart"); found {
		t.Fatal("a draft journey is in the index")
	}
	steps := []struct {
		what          string
		change        func() error
		found, enters bool
	}{
		{"activation", func() error { _, err := st.ActivateJourney(ctx, "w", "cart"); return err }, true, true},
		{"pause", func() error { _, err := st.SetJourneyStatus(ctx, "w", "cart", store.JourneyPaused); return err }, true, false},
		{"resumption", func() error { _, err := st.SetJourneyStatus(ctx, "w", "cart", store.JourneyActive); return err }, true, true},
		{"archive", func() error { _, err := st.SetJourneyStatus(ctx, "w", "cart", store.JourneyArchived); return err }, false, false},
	}
	for _, s := range steps {
		entering(t, r, "cart") // cached as it was
		if err := s.change(); err != nil {
			t.Fatal(err)
		}
		within(t, time.Second, "the index seeing the "+s.what, func() bool {
			found, enters := entering(t, r, "cart")
			return found == s.found && enters == s.enters
		})
	}

	cancel()
	<-done
	if changes.Live() {
		t.Fatal("changes still live after Run ended")
	}
	if _, err := st.CreateJourney(context.Background(), "w", "later", "later", json.RawMessage(cartJourney)); err != nil {
		t.Fatal(err)
	}
	entering(t, r, "later")
	if _, err := st.ActivateJourney(context.Background(), "w", "later"); err != nil {
		t.Fatal(err)
	}
	if found, enters := entering(t, r, "later"); !found || !enters {
		t.Error("with changes not heard, the index served a cached entry")
	}
}

// TestUsedEventsSeesACommittedChangeAtOnce: the events an ingestion call
// stores as unused are judged by an index checked against the workspace's
// journey version, so a journey activated elsewhere a moment before counts
// even when no notification has arrived (here none ever does: the Router
// follows no Changes, and its index would keep the old entry 5 seconds).
func TestUsedEventsSeesACommittedChangeAtOnce(t *testing.T) {
	ctx := context.Background()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "w", "w"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateJourney(ctx, "w", "cart", "cart", json.RawMessage(cartJourney)); err != nil {
		t.Fatal(err)
	}
	r := New(Deps{Store: st})
	used, err := r.UsedEvents(ctx, "w")
	if err != nil || used["cart"] {
		t.Fatalf("before activation: %v %v", used, err)
	}
	if _, err := st.ActivateJourney(ctx, "w", "cart"); err != nil {
		t.Fatal(err)
	}
	if used, err = r.UsedEvents(ctx, "w"); err != nil || !used["cart"] {
		t.Errorf("right after activation elsewhere: %v %v, want cart used", used, err)
	}
	if _, err := st.SetJourneyStatus(ctx, "w", "cart", store.JourneyArchived); err != nil {
		t.Fatal(err)
	}
	if used, err = r.UsedEvents(ctx, "w"); err != nil || used["cart"] {
		t.Errorf("right after the archive elsewhere: %v %v, want cart unused", used, err)
	}
}
