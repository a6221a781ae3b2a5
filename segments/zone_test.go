package segments

import (
	"slices"
	"testing"
)

// TestDefinitionsWithNoZoneUseTheWorkspaces: a segment that names no zone
// counts its calendar conditions (here an anniversary) in the zone the
// caller gives (the workspace's), then UTC; its own zone wins.
func TestDefinitionsWithNoZoneUseTheWorkspaces(t *testing.T) {
	birthday := Condition{Trait: &TraitCondition{Name: "birthday", Op: Anniversary}}
	for _, c := range []struct {
		def       Definition
		workspace string
		want      string
	}{
		{Definition{Condition: birthday}, "Asia/Tokyo", "Asia/Tokyo"},
		{Definition{Condition: birthday}, "", "UTC"},
		{Definition{Timezone: "Europe/Paris", Condition: birthday}, "Asia/Tokyo", "Europe/Paris"},
	} {
		q, err := Compile(c.def, Options{Workspace: "w", Timezone: c.workspace})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(q.Args, any(c.want)) {
			t.Errorf("zone %q of a workspace in %q: args %v, want %s among them", c.def.Timezone, c.workspace, q.Args, c.want)
		}
	}
}
