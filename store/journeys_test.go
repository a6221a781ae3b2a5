package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestJourneys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := json.RawMessage(`{"entry": {"event": "cart_add"}, "nodes": [{"id": "wait", "type": "wait", "minutes": 30}]}`)

	t.Run("CreatesADraftAtVersionOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		before := time.Now().Add(-time.Minute)
		j, err := b.store.CreateJourney(ctx, wsA, "jr_cart", "Cart abandonment", def)
		mustNot(t, err)
		if j.WorkspaceID != wsA || j.ID != "jr_cart" || j.Name != "Cart abandonment" || j.Status != store.JourneyDraft ||
			j.LatestVersion != 1 || j.ActiveVersion != 0 || j.CreatedAt.Before(before) || !j.UpdatedAt.Equal(j.CreatedAt) {
			t.Errorf("created = %+v", j)
		}
		jsonEqual(t, j.Definition, def)
		got, err := b.store.GetJourney(ctx, wsA, "jr_cart")
		mustNot(t, err)
		if !reflect.DeepEqual(got, j) {
			t.Errorf("GetJourney = %+v, want %+v", got, j)
		}
	})

	t.Run("ListsTheWorkspacesJourneysOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr_b", "B", def)
		mustNot(t, err)
		_, err = b.store.CreateJourney(ctx, wsA, "jr_a", "A", def)
		mustNot(t, err)
		_, err = b.store.CreateJourney(ctx, wsB, "jr_other", "Other", def)
		mustNot(t, err)
		got, err := b.store.ListJourneys(ctx, wsA)
		mustNot(t, err)
		if len(got) != 2 || got[0].ID != "jr_a" || got[1].ID != "jr_b" || got[0].LatestVersion != 1 {
			t.Errorf("ListJourneys = %+v", got)
		}
		if got, _ := b.store.ListJourneys(ctx, "ws_empty"); len(got) != 0 {
			t.Errorf("an empty workspace lists %d journeys", len(got))
		}
	})

	t.Run("RefusesAnIdTakenInTheWorkspaceOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr_cart", "First", def)
		mustNot(t, err)
		if _, err := b.store.CreateJourney(ctx, wsA, "jr_cart", "Second", def); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second CreateJourney = %v, want ErrConflict", err)
		}
		j, err := b.store.GetJourney(ctx, wsA, "jr_cart")
		mustNot(t, err)
		if j.Name != "First" {
			t.Errorf("the conflict changed the journey: %+v", j)
		}
		_, err = b.store.CreateJourney(ctx, wsB, "jr_cart", "Same id, other workspace", def)
		mustNot(t, err)
	})

	t.Run("NeedsAnExistingWorkspaceAndADefinition", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if _, err := b.store.CreateJourney(ctx, "ws_missing", "jr", "x", def); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateJourney in a missing workspace = %v, want ErrNotFound", err)
		}
		if _, err := b.store.CreateJourney(ctx, wsA, "jr", "x", nil); err == nil {
			t.Errorf("CreateJourney without a definition succeeded")
		}
		if _, err := b.store.GetJourney(ctx, wsA, "jr"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a failed CreateJourney left a journey: %v", err)
		}
	})

	t.Run("GetsAJourneyOnlyFromItsWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr_cart", "Cart", def)
		mustNot(t, err)
		if _, err := b.store.GetJourney(ctx, wsB, "jr_cart"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJourney from another workspace = %v, want ErrNotFound", err)
		}
		if _, err := b.store.GetJourney(ctx, wsA, "jr_nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJourney of a missing journey = %v, want ErrNotFound", err)
		}
	})

	t.Run("ActivatesTheLatestVersion", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		created, err := b.store.CreateJourney(ctx, wsA, "jr_cart", "Cart", def)
		mustNot(t, err)
		if _, err := b.store.ActivateJourney(ctx, wsB, "jr_cart"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ActivateJourney from another workspace = %v, want ErrNotFound", err)
		}
		if _, err := b.store.ActivateJourney(ctx, wsA, "jr_nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ActivateJourney of a missing journey = %v, want ErrNotFound", err)
		}
		j, err := b.store.ActivateJourney(ctx, wsA, "jr_cart")
		mustNot(t, err)
		if j.Status != store.JourneyActive || j.ActiveVersion != 1 || j.LatestVersion != 1 || j.UpdatedAt.Before(created.UpdatedAt) {
			t.Errorf("activated = %+v", j)
		}
		jsonEqual(t, j.Definition, def)
	})

	t.Run("ListsTheActiveJourneysOfTheWorkspaceOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		defs := map[string]json.RawMessage{}
		for _, c := range []struct {
			ws, id string
			active bool
		}{
			{wsA, "jr_b", true}, {wsA, "jr_a", true}, {wsA, "jr_draft", false}, {wsB, "jr_other", true},
		} {
			d := json.RawMessage(`{"id": "` + c.id + `"}`)
			defs[c.id] = d
			_, err := b.store.CreateJourney(ctx, c.ws, c.id, c.id, d)
			mustNot(t, err)
			if c.active {
				_, err = b.store.ActivateJourney(ctx, c.ws, c.id)
				mustNot(t, err)
			}
		}
		// Paused after running: it keeps its active version but takes no one in.
		_, err := b.store.CreateJourney(ctx, wsA, "jr_paused", "Paused", def)
		mustNot(t, err)
		_, err = b.store.ActivateJourney(ctx, wsA, "jr_paused")
		mustNot(t, err)
		_, err = b.db.Exec(ctx, `UPDATE journeys SET status = 'paused' WHERE workspace_id = $1 AND id = 'jr_paused'`, wsA)
		mustNot(t, err)

		got, err := b.store.ActiveJourneys(ctx, wsA)
		mustNot(t, err)
		if len(got) != 2 || got[0].JourneyID != "jr_a" || got[1].JourneyID != "jr_b" {
			t.Fatalf("ActiveJourneys = %+v, want jr_a then jr_b", got)
		}
		for _, v := range got {
			if v.Version != 1 {
				t.Errorf("%s version = %d, want 1", v.JourneyID, v.Version)
			}
			jsonEqual(t, v.Definition, defs[v.JourneyID])
		}
		none, err := b.store.ActiveJourneys(ctx, "ws_empty")
		mustNot(t, err)
		if len(none) != 0 {
			t.Errorf("ActiveJourneys of an empty workspace = %+v", none)
		}
	})
}

func jsonEqual(t *testing.T, got, want json.RawMessage) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("unmarshal %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("unmarshal %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}
