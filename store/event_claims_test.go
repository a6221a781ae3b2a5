package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// TestSweepersShareTheUnroutedEvents: two sweepers (two API processes)
// sweeping at once each claim what the other does not hold, and only what
// a sweeper routed is marked routed.
func TestSweepersShareTheUnroutedEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	old := time.Now().Add(-time.Minute)
	_, err := b.store.InsertEvents(ctx, []store.Event{
		{WorkspaceID: wsA, MessageID: "e1", UserID: "u", Name: "e", ReceivedAt: old},
		{WorkspaceID: wsA, MessageID: "e2", UserID: "u", Name: "e", ReceivedAt: old.Add(time.Second)},
		{WorkspaceID: wsB, MessageID: "e3", UserID: "v", Name: "e", ReceivedAt: old.Add(2 * time.Second)},
	})
	mustNot(t, err)

	firstHolds, releaseFirst := make(chan []string, 1), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		_, err := b.store.ClaimUnroutedEvents(ctx, time.Now(), 2, func(_ context.Context, es []store.Event) (map[string][]string, error) {
			firstHolds <- eventIDs(es)
			<-releaseFirst // the second sweeper runs while these are held
			return map[string][]string{wsA: eventIDs(es)}, nil
		})
		firstDone <- err
	}()
	held := <-firstHolds
	if !slices.Equal(held, []string{"e1", "e2"}) {
		t.Fatalf("the first sweeper claimed %v, want the two oldest", held)
	}
	var second []string
	n, err := b.store.ClaimUnroutedEvents(ctx, time.Now(), 10, func(_ context.Context, es []store.Event) (map[string][]string, error) {
		second = eventIDs(es)
		return nil, nil // routed none: they stay unrouted
	})
	mustNot(t, err)
	if n != 1 || !slices.Equal(second, []string{"e3"}) {
		t.Errorf("the second sweeper claimed %v while the first held %v, want only e3", second, held)
	}
	close(releaseFirst)
	mustNot(t, <-firstDone)

	left, err := b.store.UnroutedEvents(ctx, time.Now(), 10)
	mustNot(t, err)
	if !slices.Equal(eventIDs(left), []string{"e3"}) {
		t.Errorf("unrouted after both sweeps: %v, want e3 (the second routed nothing)", eventIDs(left))
	}
}

func eventIDs(es []store.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.MessageID
	}
	return out
}
