package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestJourneyLayouts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := json.RawMessage(`{"entry": {"event": "signup"}, "nodes": [{"id": "done", "kind": "exit"}]}`)

	t.Run("AVersionReadsItsOwnOrTheLatestEarlierLayout", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr", "J", def)
		mustNot(t, err)
		got, err := b.store.GetJourneyLayout(ctx, wsA, "jr", 0)
		mustNot(t, err)
		if got.Version != 0 || got.Layout != nil {
			t.Errorf("a journey without a layout reads %+v", got)
		}
		first := json.RawMessage(`{"nodes": {"done": {"x": 10, "y": 20}}}`)
		_, err = b.store.PutJourneyLayout(ctx, wsA, "jr", 1, first)
		mustNot(t, err)
		_, err = b.store.UpdateJourney(ctx, wsA, "jr", "", def)
		mustNot(t, err)
		got, err = b.store.GetJourneyLayout(ctx, wsA, "jr", 0)
		mustNot(t, err)
		if got.Version != 1 {
			t.Errorf("version 2 without a layout reads version %d's", got.Version)
		}
		jsonEqual(t, got.Layout, first)
		second := json.RawMessage(`{"nodes": {"done": {"x": 30, "y": 40}}}`)
		_, err = b.store.PutJourneyLayout(ctx, wsA, "jr", 2, second)
		mustNot(t, err)
		got, err = b.store.GetJourneyLayout(ctx, wsA, "jr", 0)
		mustNot(t, err)
		if got.Version != 2 {
			t.Errorf("the latest layout is version %d's", got.Version)
		}
		jsonEqual(t, got.Layout, second)
		got, err = b.store.GetJourneyLayout(ctx, wsA, "jr", 1)
		mustNot(t, err)
		jsonEqual(t, got.Layout, first)
	})

	t.Run("NoOtherWorkspacesJourneyOrAMissingVersion", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr", "J", def)
		mustNot(t, err)
		layout := json.RawMessage(`{"nodes": {}}`)
		if _, err := b.store.PutJourneyLayout(ctx, wsB, "jr", 1, layout); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace's journey: %v", err)
		}
		if _, err := b.store.PutJourneyLayout(ctx, wsA, "jr", 2, layout); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a version not made yet: %v", err)
		}
		if _, err := b.store.GetJourneyLayout(ctx, wsB, "jr", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace reads the layout: %v", err)
		}
	})
}
