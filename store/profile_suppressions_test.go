package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestProfileSuppressions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setup(t).store
	p, err := s.ChangeProfile(ctx, wsA, "u1", store.ProfileChange{Set: map[string]any{"email": "Aiko@Example.com", "phone": "+819012345678"}}, time.Now())
	mustNot(t, err)
	for _, sp := range []store.Suppression{
		{WorkspaceID: wsA, Channel: "email", Address: "aiko@example.com", Reason: store.SuppressHardBounce},
		{WorkspaceID: wsA, Channel: "sms", Address: "+819012345678", Reason: store.SuppressSMSStop},
		{WorkspaceID: wsA, Channel: "email", Address: "someone@example.com", Reason: store.SuppressSpamReport},
		{WorkspaceID: wsB, Channel: "sms", Address: "+819012345678", Reason: store.SuppressInvalid},
	} {
		mustNot(t, s.Suppress(ctx, sp))
	}
	got, err := s.ProfileSuppressions(ctx, p)
	mustNot(t, err)
	reasons := map[string]string{}
	for _, sp := range got {
		reasons[sp.Channel+" "+sp.Address] = sp.Reason
		if sp.CreatedAt.IsZero() {
			t.Errorf("%+v has no date", sp)
		}
	}
	want := map[string]string{"email aiko@example.com": store.SuppressHardBounce, "sms +819012345678": store.SuppressSMSStop}
	if len(reasons) != len(want) || reasons["email aiko@example.com"] != want["email aiko@example.com"] || reasons["sms +819012345678"] != want["sms +819012345678"] {
		t.Errorf("the profile's suppressions = %v, want %v (its own addresses, its own workspace)", reasons, want)
	}
	none, err := s.ProfileSuppressions(ctx, store.Profile{WorkspaceID: wsA, ID: "bare"})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("a profile without addresses = %v %v, want an empty list", none, err)
	}
}
