package store_test

import (
	"context"
	"slices"
	"testing"
)

// TestFindProfiles finds a customer by each way the console's search
// names one, in its own workspace only.
func TestFindProfiles(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO profiles (workspace_id, id, email, phone, line_user_id) VALUES
			('ws_a', 'u1', 'Aiko@Example.jp', '', ''), ('ws_a', 'u2', '', '090-1234-5678', ''),
			('ws_a', 'u3', '', '', 'Uline3'), ('ws_a', 'u4', 'same@example.jp', '', ''), ('ws_a', 'u5', 'SAME@example.jp', '', ''),
			('ws_b', 'u1', 'aiko@example.jp', '+819012345678', 'Uline3')`,
		`INSERT INTO profile_identities (workspace_id, alias_id, profile_id) VALUES ('ws_a', 'anon-7', 'u3')`,
	} {
		if _, err := tb.db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string][]string{
		"u1": {"u1"}, " aiko@example.JP ": {"u1"}, "+81 90-1234-5678": {"u2"}, "09012345678": {"u2"},
		"Uline3": {"u3"}, "anon-7": {"u3"}, "same@example.jp": {"u4", "u5"}, "nobody": {}, "": {},
	} {
		found, err := tb.store.FindProfiles(ctx, wsA, q, 20)
		if err != nil {
			t.Fatalf("find %q: %v", q, err)
		}
		var ids []string
		for _, p := range found {
			if p.WorkspaceID != wsA {
				t.Errorf("find %q: a profile of %s", q, p.WorkspaceID)
			}
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("find %q = %v, want %v", q, ids, want)
		}
	}
}
