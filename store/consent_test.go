package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestConsentAndSuppressions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("KeepsTheNewestConsentAndEveryChange", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		t0 := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
		set := func(status, topic string, at time.Time) bool {
			t.Helper()
			cur, err := s.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u1", Channel: "email", Topic: topic,
				Status: status, Source: "test", UpdatedAt: at})
			mustNot(t, err)
			return cur
		}
		if !set(store.OptedOut, "news", t0.Add(time.Minute)) {
			t.Error("first consent is not current")
		}
		if set(store.OptedIn, "news", t0) {
			t.Error("an older opt-in replaced a newer opt-out")
		}
		if status, found, err := s.ConsentFor(ctx, wsA, "u1", "email", "news"); err != nil || !found || status != store.OptedOut {
			t.Errorf("ConsentFor news = %q %v %v", status, found, err)
		}
		if _, found, _ := s.ConsentFor(ctx, wsA, "u1", "email", "offers"); found {
			t.Error("a topic never chosen has a consent")
		}
		set(store.OptedOut, "", t0.Add(2*time.Minute))
		set(store.OptedIn, "offers", t0.Add(3*time.Minute))
		if status, _, _ := s.ConsentFor(ctx, wsA, "u1", "email", "offers"); status != store.OptedOut {
			t.Errorf("opting out of the channel leaves topic offers %q", status)
		}
		if _, found, _ := s.ConsentFor(ctx, wsB, "u1", "email", ""); found {
			t.Error("workspace B sees A's consent")
		}
		list, err := s.ListConsent(ctx, wsA, "u1")
		mustNot(t, err)
		history, err := s.ConsentHistory(ctx, wsA, "u1")
		mustNot(t, err)
		if len(list) != 3 || len(history) != 4 || history[0].Status != store.OptedIn || !history[0].UpdatedAt.Equal(t0) {
			t.Errorf("list %+v\nhistory %+v", list, history)
		}
		if _, err := s.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u1", Channel: "email", Status: "maybe"}); err == nil {
			t.Error("status maybe was accepted")
		}
	})

	t.Run("SuppressesAnAddressPerWorkspaceAndChannel", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "a@x.jp", Reason: store.SuppressHardBounce}))
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "a@x.jp", Reason: store.SuppressSpamReport}))
		sp, err := s.Suppressed(ctx, wsA, "email", "a@x.jp")
		if err != nil || sp.Reason != store.SuppressHardBounce {
			t.Errorf("Suppressed = %+v %v; want the first reason kept", sp, err)
		}
		for _, c := range [][2]string{{wsB, "email"}, {wsA, "line"}} {
			if _, err := s.Suppressed(ctx, c[0], c[1], "a@x.jp"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%v: %v", c, err)
			}
		}
		if err := s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "b@x.jp", Reason: "bored"}); err == nil {
			t.Error("an unknown reason was accepted")
		}
		removed, err := s.Unsuppress(ctx, wsA, "email", "a@x.jp")
		if err != nil || !removed {
			t.Errorf("Unsuppress = %v %v", removed, err)
		}
	})

	t.Run("MatchesEmailSuppressionsWhateverTheCase", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: " Aiko@Example.COM", Reason: store.SuppressHardBounce}))
		for _, addr := range []string{"aiko@example.com", "AIKO@EXAMPLE.COM"} {
			if sp, err := s.Suppressed(ctx, wsA, "email", addr); err != nil || sp.Address != "aiko@example.com" {
				t.Errorf("Suppressed(%q) = %+v %v; want the lowercased suppression", addr, sp, err)
			}
		}
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "line", Address: "Uabc", Reason: store.SuppressLineUnfollow}))
		if _, err := s.Suppressed(ctx, wsA, "line", "uabc"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a LINE user ID matched in another case: %v", err)
		}
		if removed, err := s.Unsuppress(ctx, wsA, "email", "AIKO@example.com"); err != nil || !removed {
			t.Errorf("Unsuppress in another case = %v %v", removed, err)
		}
	})

	t.Run("FindsTheCustomerByEmailWhateverTheCase", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		_, err := s.ChangeProfile(ctx, wsA, "u1", store.ProfileChange{Set: map[string]any{"email": "Aiko@Example.COM"}}, time.Now())
		mustNot(t, err)
		_, err = s.ChangeProfile(ctx, wsB, "u2", store.ProfileChange{Set: map[string]any{"email": "aiko@example.com"}}, time.Now())
		mustNot(t, err)
		for _, addr := range []string{"aiko@example.com", " AIKO@EXAMPLE.COM ", "Aiko@Example.COM"} {
			if id, err := s.CustomerByAddress(ctx, wsA, "email", addr); err != nil || id != "u1" {
				t.Errorf("CustomerByAddress(%q) = %q %v, want u1", addr, id, err)
			}
		}
		if _, err := s.CustomerByAddress(ctx, wsA, "email", "aiko@example.org"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another address found a customer: %v", err)
		}
		// Erasure finds the lowercased suppression of a mixed-case email too.
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "Aiko@Example.COM", Reason: store.SuppressHardBounce}))
		e, err := s.EraseCustomer(ctx, wsA, "u1", []string{"u1"}, "k", 0)
		mustNot(t, err)
		if e.Counts["suppressions"] != 1 {
			t.Errorf("erasure removed %d suppressions of the customer's mixed-case email, want 1", e.Counts["suppressions"])
		}
	})

	t.Run("ErasureRemovesTheCustomersLogConsentAndSuppressions", func(t *testing.T) {
		t.Parallel()
		s := setup(t).store
		_, err := s.ChangeProfile(ctx, wsA, "u1", store.ProfileChange{Set: map[string]any{"email": "u1@x.jp", "lineUserId": "Uline1"}}, time.Now())
		mustNot(t, err)
		if id, err := s.CustomerByAddress(ctx, wsA, "line", "Uline1"); err != nil || id != "u1" {
			t.Errorf("CustomerByAddress = %q %v", id, err)
		}
		_, _, err = s.RecordMessage(ctx, store.Message{ID: "m1", WorkspaceID: wsA, CustomerID: "u1", Channel: "email"})
		mustNot(t, err)
		_, _, err = s.RecordMessageEvent(ctx, store.MessageEvent{WorkspaceID: wsA, EventID: "e1", MessageID: "m1", Status: "bounced"})
		mustNot(t, err)
		_, err = s.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: "u1", Channel: "line", Status: store.OptedIn})
		mustNot(t, err)
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "u1@x.jp", Reason: store.SuppressHardBounce}))
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "line", Address: "Uline1", Reason: store.SuppressLineUnfollow}))
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "other@x.jp", Reason: store.SuppressHardBounce}))
		e, err := s.EraseCustomer(ctx, wsA, "u1", []string{"u1"}, "k", 0)
		mustNot(t, err)
		want := map[string]int64{"message_events": 1, "consent": 1, "consent_history": 1, "suppressions": 2, "messages": 1}
		for table, n := range want {
			if e.Counts[table] != n {
				t.Errorf("erased %d rows of %s, want %d (%v)", e.Counts[table], table, n, e.Counts)
			}
		}
		if _, err := s.Suppressed(ctx, wsA, "email", "other@x.jp"); err != nil {
			t.Errorf("another address's suppression went too: %v", err)
		}
	})
}
