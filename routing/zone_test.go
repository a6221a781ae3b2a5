package routing

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/locale"
	"github.com/tabiji/tabiji/pgtest"
)

// TestJourneysWithNoZoneRunInTheWorkspaces: the index gives a journey that
// names no zone the workspace's (so its runs and its date-trigger schedule
// use it), follows a change of the workspace's zone, and leaves a journey's
// own zone alone.
func TestJourneysWithNoZoneRunInTheWorkspaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := pgtest.Store(t)
	if _, err := st.CreateWorkspace(ctx, "jp", "jp", locale.Settings{Locale: "ja"}); err != nil {
		t.Fatal(err)
	}
	for id, def := range map[string]string{
		"bday":  `{"entry":{"date":{"property":"birthday","at":"09:00","yearly":true}},"nodes":[{"id":"done","kind":"exit"}]}`,
		"paris": `{"entry":{"event":"cart"},"timezone":"Europe/Paris","nodes":[{"id":"done","kind":"exit"}]}`,
	} {
		if _, err := st.CreateJourney(ctx, "jp", id, id, json.RawMessage(def)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ActivateJourney(ctx, "jp", id); err != nil {
			t.Fatal(err)
		}
	}
	r := New(Deps{Store: st, Temporal: &signalRecorder{}})
	zones := func() map[string]string {
		t.Helper()
		r.Invalidate("jp")
		active, err := r.journeys.active(ctx, "jp")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, j := range active {
			out[j.id] = j.definition.Timezone
		}
		return out
	}
	if got := zones(); got["bday"] != "Asia/Tokyo" || got["paris"] != "Europe/Paris" {
		t.Errorf("zones = %v, want bday in the workspace's Asia/Tokyo and paris in its own", got)
	}
	want, err := r.triggerSchedules(ctx, "jp")
	if err != nil || len(want) != 1 || !strings.HasSuffix(want[0].ID, "/Asia/Tokyo") {
		t.Errorf("trigger schedules = %v %v, want the birthday sweep in Asia/Tokyo", want, err)
	}
	if _, err := st.UpdateWorkspaceSettings(ctx, "jp", locale.Settings{Timezone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	if got := zones(); got["bday"] != "America/New_York" || got["paris"] != "Europe/Paris" {
		t.Errorf("after a change of the workspace's zone: %v", got)
	}
}
