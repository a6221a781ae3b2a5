package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestJourneyLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v1 := json.RawMessage(`{"v": 1}`)
	v2 := json.RawMessage(`{"v": 2}`)

	t.Run("AnUpdateMakesANewVersionThatAnActiveJourneyEntersOn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr", "Journey", v1)
		mustNot(t, err)
		draft, err := b.store.UpdateJourney(ctx, wsA, "jr", "", v2)
		mustNot(t, err)
		if draft.LatestVersion != 2 || draft.ActiveVersion != 0 || draft.Name != "Journey" {
			t.Errorf("updated draft = %+v", draft)
		}
		_, err = b.store.ActivateJourney(ctx, wsA, "jr")
		mustNot(t, err)
		j, err := b.store.UpdateJourney(ctx, wsA, "jr", "Renamed", json.RawMessage(`{"v": 3}`))
		mustNot(t, err)
		if j.LatestVersion != 3 || j.ActiveVersion != 3 || j.Name != "Renamed" {
			t.Errorf("updated active = %+v", j)
		}
		versions, err := b.store.JourneyVersions(ctx, wsA, "jr")
		mustNot(t, err)
		if len(versions) != 3 || versions[0].Version != 3 || versions[2].Version != 1 {
			t.Fatalf("versions = %+v", versions)
		}
		jsonEqual(t, versions[2].Definition, v1)
		if _, err := b.store.UpdateJourney(ctx, wsB, "jr", "", v2); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update from another workspace = %v", err)
		}
		if _, err := b.store.JourneyVersions(ctx, wsB, "jr"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("versions from another workspace = %v", err)
		}
	})

	t.Run("PausesResumesAndArchivesOnlyFromTheRightStatus", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.CreateJourney(ctx, wsA, "jr", "Journey", v1)
		mustNot(t, err)
		if j, err := b.store.SetJourneyStatus(ctx, wsA, "jr", store.JourneyPaused); !errors.Is(err, store.ErrConflict) || j.Status != store.JourneyDraft {
			t.Errorf("pausing a draft = %+v, %v", j, err)
		}
		_, err = b.store.ActivateJourney(ctx, wsA, "jr")
		mustNot(t, err)
		j, err := b.store.SetJourneyStatus(ctx, wsA, "jr", store.JourneyPaused)
		mustNot(t, err)
		if j.Status != store.JourneyPaused || j.ActiveVersion != 1 {
			t.Errorf("paused = %+v", j)
		}
		j, err = b.store.SetJourneyStatus(ctx, wsA, "jr", store.JourneyActive)
		mustNot(t, err)
		if j.Status != store.JourneyActive {
			t.Errorf("resumed = %+v", j)
		}
		_, err = b.store.SetJourneyStatus(ctx, wsA, "jr", store.JourneyArchived)
		mustNot(t, err)
		if _, err := b.store.SetJourneyStatus(ctx, wsA, "jr", store.JourneyActive); !errors.Is(err, store.ErrConflict) {
			t.Errorf("resuming an archived journey = %v", err)
		}
		if _, err := b.store.UpdateJourney(ctx, wsA, "jr", "", v2); !errors.Is(err, store.ErrConflict) {
			t.Errorf("updating an archived journey = %v", err)
		}
		if _, err := b.store.SetJourneyStatus(ctx, wsA, "nope", store.JourneyPaused); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("pausing a missing journey = %v", err)
		}
	})

	t.Run("RoutableJourneysAreActiveOrPausedWithTheirOtherVersions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, id := range []string{"jr_active", "jr_paused", "jr_draft", "jr_archived"} {
			_, err := b.store.CreateJourney(ctx, wsA, id, id, v1)
			mustNot(t, err)
			if id != "jr_draft" {
				_, err = b.store.ActivateJourney(ctx, wsA, id)
				mustNot(t, err)
			}
		}
		_, err := b.store.UpdateJourney(ctx, wsA, "jr_active", "", v2)
		mustNot(t, err)
		_, err = b.store.SetJourneyStatus(ctx, wsA, "jr_paused", store.JourneyPaused)
		mustNot(t, err)
		_, err = b.store.SetJourneyStatus(ctx, wsA, "jr_archived", store.JourneyArchived)
		mustNot(t, err)
		got, err := b.store.RoutableJourneys(ctx, wsA)
		mustNot(t, err)
		if len(got) != 2 || got[0].JourneyID != "jr_active" || got[1].JourneyID != "jr_paused" {
			t.Fatalf("routable = %+v", got)
		}
		if got[0].Version != 2 || got[0].Status != store.JourneyActive || len(got[0].Older) != 1 || got[1].Status != store.JourneyPaused {
			t.Errorf("routable = %+v", got)
		}
		jsonEqual(t, got[0].Definition, v2)
		jsonEqual(t, got[0].Older[0], v1)
	})
}
