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
}
