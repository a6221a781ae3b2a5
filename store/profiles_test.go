package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	t.Run("GetProfileOfNobodyIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		if _, err := b.store.GetProfile(ctx, wsA, "u_none"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetProfile = %v, want ErrNotFound", err)
		}
	})

	t.Run("ChangeProfileCreatesAndSetsTraitsAddressesAndZone", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, err := b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{
			Set:     map[string]any{"email": "hana@example.jp", "phone": "+81901234567", "lineUserId": "U4af4980629", "plan": "pro"},
			AddTags: []string{"vip", "beta"}, Timezone: "Asia/Tokyo", Locale: "ja-JP", PushToken: "tok1",
		}, t0)
		mustNot(t, err)
		got, err := b.store.GetProfile(ctx, wsA, "u_1")
		mustNot(t, err)
		for _, q := range []store.Profile{p, got} {
			if q.ID != "u_1" || q.Email != "hana@example.jp" || q.Phone != "+81901234567" || q.LineUserID != "U4af4980629" ||
				q.Timezone != "Asia/Tokyo" || q.Locale != "ja-JP" || !slices.Equal(q.PushTokens, []string{"tok1"}) ||
				!slices.Equal(q.Tags, []string{"vip", "beta"}) || q.Traits["plan"] != "pro" || !q.TraitUpdatedAt["plan"].Equal(t0) {
				t.Errorf("profile = %+v", q)
			}
		}
		if _, err := b.store.GetProfile(ctx, wsB, "u_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another workspace sees the profile: %v", err)
		}
	})

	t.Run("LatestWinsPerTrait", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{Set: map[string]any{"plan": "pro", "city": "Osaka"}}, t0)
		mustNot(t, err)
		p, err := b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{
			Set: map[string]any{"plan": "free", "age": 30.0}, Unset: []string{"city"}}, t0.Add(-time.Hour))
		mustNot(t, err)
		if p.Traits["plan"] != "pro" || p.Traits["city"] != "Osaka" || p.Traits["age"] != 30.0 {
			t.Errorf("an older change won: %v", p.Traits)
		}
		p, err = b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{
			Set: map[string]any{"plan": "free"}, Unset: []string{"city"}, Increment: map[string]float64{"logins": 2},
			RemoveTags: []string{"x"}}, t0.Add(time.Hour))
		mustNot(t, err)
		if p.Traits["plan"] != "free" || p.Traits["city"] != nil || p.Traits["logins"] != 2.0 {
			t.Errorf("a newer change lost: %v", p.Traits)
		}
	})

	t.Run("MergeMovesTraitsIdsAndEvents", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.ChangeProfile(ctx, wsA, "anon_1", store.ProfileChange{
			Set: map[string]any{"plan": "trial", "color": "red"}, AddTags: []string{"visitor"}, PushToken: "tok_anon"}, t0.Add(time.Hour))
		mustNot(t, err)
		_, _, err = b.store.InsertEvent(ctx, store.Event{WorkspaceID: wsA, MessageID: "m_anon", UserID: "anon_1", Name: "view"})
		mustNot(t, err)
		_, err = b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{Set: map[string]any{"plan": "pro", "email": "a@example.jp"}}, t0)
		mustNot(t, err)
		merged, err := b.store.MergeProfiles(ctx, wsA, "anon_1", "u_1", true)
		mustNot(t, err)
		p, err := b.store.GetProfile(ctx, wsA, "anon_1")
		mustNot(t, err)
		if !merged || p.ID != "u_1" || !slices.Equal(p.AnonymousIDs, []string{"anon_1"}) || p.Traits["plan"] != "trial" ||
			p.Traits["color"] != "red" || p.Email != "a@example.jp" || !slices.Equal(p.Tags, []string{"visitor"}) ||
			!slices.Equal(p.PushTokens, []string{"tok_anon"}) {
			t.Errorf("merged profile = %+v (merged %v)", p, merged)
		}
		ev, err := b.store.GetEvent(ctx, wsA, "m_anon")
		mustNot(t, err)
		if ev.UserID != "u_1" {
			t.Errorf("the earlier event kept user %q", ev.UserID)
		}
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM profiles WHERE workspace_id = $1`, wsA).Scan(&n))
		if n != 1 {
			t.Errorf("%d profiles after the merge, want 1", n)
		}
		// Later events of the anonymous id land on the merged profile.
		out, err := b.store.InsertEvents(ctx, []store.Event{{WorkspaceID: wsA, MessageID: "m_after", UserID: "anon_1", Name: "view"}})
		mustNot(t, err)
		if out[0].Event.UserID != "u_1" {
			t.Errorf("a later event of the anonymous id went to %q", out[0].Event.UserID)
		}
		// The same anonymous id under another user does not merge two people; alias does.
		if merged, err := b.store.MergeProfiles(ctx, wsA, "anon_1", "u_2", true); err != nil || merged {
			t.Errorf("identify merged an id that belongs to another user: %v %v", merged, err)
		}
		if merged, err := b.store.MergeProfiles(ctx, wsA, "u_1", "u_2", false); err != nil || !merged {
			t.Errorf("alias did not merge: %v %v", merged, err)
		}
		if p, err := b.store.GetProfile(ctx, wsA, "anon_1"); err != nil || p.ID != "u_2" || !slices.Equal(p.AnonymousIDs, []string{"anon_1", "u_1"}) {
			t.Errorf("after alias = %+v, %v", p, err)
		}
	})

	t.Run("MergeMovesTrackedSegmentMemberships", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, id := range []string{"anon_1", "u_1", "u_2"} {
			_, err := b.store.ChangeProfile(ctx, wsA, id, store.ProfileChange{}, t0)
			mustNot(t, err)
		}
		// anon_1 entered "browsers" (and "vip", later than u_1 did); u_1 is in "vip" only.
		mustNot(t, b.store.RecordSegmentChanges(ctx, wsA, "browsers", []string{"anon_1"}, nil, t0))
		mustNot(t, b.store.RecordSegmentChanges(ctx, wsA, "vip", []string{"u_1"}, nil, t0))
		mustNot(t, b.store.RecordSegmentChanges(ctx, wsA, "vip", []string{"anon_1", "u_2"}, nil, t0.Add(time.Hour)))
		merged, err := b.store.MergeProfiles(ctx, wsA, "anon_1", "u_1", true)
		mustNot(t, err)
		if !merged {
			t.Fatal("not merged")
		}
		for seg, want := range map[string][]string{"browsers": {"u_1"}, "vip": {"u_1", "u_2"}} {
			page, err := b.store.TrackedMembersPage(ctx, wsA, seg, "", 10)
			mustNot(t, err)
			if !slices.Equal(page, want) {
				t.Errorf("tracked members of %s = %v, want %v", seg, page, want)
			}
		}
		var entered time.Time
		mustNot(t, b.db.QueryRow(ctx, `SELECT entered_at FROM tracked_segment_members
			WHERE workspace_id = $1 AND segment_id = 'vip' AND customer_id = 'u_1'`, wsA).Scan(&entered))
		if !entered.Equal(t0) {
			t.Errorf("u_1 entered vip at %v, want the earlier entry %v", entered, t0)
		}
	})

	t.Run("ContextsSetZoneLocaleAndTokensUnlessTraitsSay", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.ChangeProfile(ctx, wsA, "u_1", store.ProfileChange{}, t0)
		mustNot(t, err)
		_, err = b.store.ChangeProfile(ctx, wsA, "u_2", store.ProfileChange{Set: map[string]any{"timezone": "Europe/Paris"}}, t0)
		mustNot(t, err)
		mustNot(t, b.store.ApplyContexts(ctx, wsA, []store.ContextUpdate{
			{ID: "u_2", Timezone: "Asia/Tokyo", Locale: "fr-FR"},
			{ID: "u_1", Timezone: "Asia/Tokyo", Locale: "ja-JP", PushToken: "fcm_1"},
			{ID: "u_missing", Timezone: "Asia/Tokyo"},
		}))
		mustNot(t, b.store.ApplyContexts(ctx, wsA, []store.ContextUpdate{{ID: "u_1", PushToken: "fcm_1"}}))
		p1, err := b.store.GetProfile(ctx, wsA, "u_1")
		mustNot(t, err)
		p2, err := b.store.GetProfile(ctx, wsA, "u_2")
		mustNot(t, err)
		if p1.Timezone != "Asia/Tokyo" || p1.Locale != "ja-JP" || !slices.Equal(p1.PushTokens, []string{"fcm_1"}) {
			t.Errorf("u_1 = %+v", p1)
		}
		if p2.Timezone != "Europe/Paris" || p2.Locale != "fr-FR" {
			t.Errorf("u_2 = %+v: the trait's zone must win over the context's", p2)
		}
		if _, err := b.store.GetProfile(ctx, wsA, "u_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a context created a profile: %v", err)
		}
	})

	t.Run("RemovesAnUnregisteredPushTokenFromEveryProfile", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, id := range []string{"u_1", "u_2"} {
			_, err := b.store.ChangeProfile(ctx, wsA, id, store.ProfileChange{}, t0)
			mustNot(t, err)
		}
		mustNot(t, b.store.ApplyContexts(ctx, wsA, []store.ContextUpdate{{ID: "u_1", PushToken: "dead"}, {ID: "u_2", PushToken: "dead"}}))
		mustNot(t, b.store.ApplyContexts(ctx, wsA, []store.ContextUpdate{{ID: "u_1", PushToken: "live"}}))
		n, err := b.store.RemovePushToken(ctx, wsA, "dead")
		if err != nil || n != 2 {
			t.Fatalf("RemovePushToken = %d, %v; want 2 profiles", n, err)
		}
		p1, err := b.store.GetProfile(ctx, wsA, "u_1")
		mustNot(t, err)
		p2, err := b.store.GetProfile(ctx, wsA, "u_2")
		mustNot(t, err)
		if !slices.Equal(p1.PushTokens, []string{"live"}) || len(p2.PushTokens) != 0 {
			t.Errorf("tokens after removal: u_1 %v, u_2 %v", p1.PushTokens, p2.PushTokens)
		}
		if n, err := b.store.RemovePushToken(ctx, wsA, "dead"); err != nil || n != 0 {
			t.Errorf("removing it again = %d, %v", n, err)
		}
	})

	t.Run("ChangeProfilesAppliesABatchInOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.store.MergeProfiles(ctx, wsA, "anon_9", "u_9", true)
		mustNot(t, err)
		mustNot(t, b.store.ChangeProfiles(ctx, wsA, []store.ProfileUpdate{
			{ID: "u_9", Change: store.ProfileChange{Set: map[string]any{"plan": "pro", "email": "n@example.jp"}, AddTags: []string{"a"}}, At: t0},
			{ID: "anon_9", Change: store.ProfileChange{Set: map[string]any{"plan": "free", "city": "Nara"}, PushToken: "t1"}, At: t0.Add(-time.Hour)},
			{ID: "u_new", Change: store.ProfileChange{Set: map[string]any{"lineUserId": "U9"}, Timezone: "Asia/Tokyo"}, At: t0},
			{ID: "u_9", Change: store.ProfileChange{Increment: map[string]float64{"visits": 1}, AddTags: []string{"b"}}, At: t0},
		}))
		p, err := b.store.GetProfile(ctx, wsA, "anon_9")
		mustNot(t, err)
		if p.ID != "u_9" || p.Traits["plan"] != "pro" || p.Traits["city"] != "Nara" || p.Traits["visits"] != 1.0 ||
			p.Email != "n@example.jp" || !slices.Equal(p.Tags, []string{"a", "b"}) || !slices.Equal(p.PushTokens, []string{"t1"}) {
			t.Errorf("batched profile = %+v", p)
		}
		q, err := b.store.GetProfile(ctx, wsA, "u_new")
		mustNot(t, err)
		if q.LineUserID != "U9" || q.Timezone != "Asia/Tokyo" {
			t.Errorf("created in a batch = %+v", q)
		}
		un, err := b.store.UnmergedIDs(ctx, wsA, []string{"anon_9", "u_9", "never_seen"})
		mustNot(t, err)
		if !slices.Equal(un, []string{"u_9", "never_seen"}) {
			t.Errorf("UnmergedIDs = %v", un)
		}
	})
}
