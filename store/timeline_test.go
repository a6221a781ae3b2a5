package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestEventBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	t.Run("StoresABatchOnceAndNamesTheDuplicates", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, err := b.store.InsertEvent(ctx, store.Event{WorkspaceID: wsA, MessageID: "m0", UserID: "u", Name: "e"})
		mustNot(t, err)
		out, err := b.store.InsertEvents(ctx, []store.Event{
			{WorkspaceID: wsA, MessageID: "m1", UserID: "u", Name: "e", Timestamp: t0},
			{WorkspaceID: wsA, MessageID: "m0", UserID: "u", Name: "e"},
			{WorkspaceID: wsA, MessageID: "m1", UserID: "u", Name: "again"},
			{WorkspaceID: wsB, MessageID: "m1", UserID: "v", Name: "e", Type: "identify"},
		})
		mustNot(t, err)
		want := []bool{true, false, false, true}
		for i, o := range out {
			if o.Inserted != want[i] {
				t.Errorf("event %d inserted = %v, want %v", i, o.Inserted, want[i])
			}
		}
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n))
		if n != 3 {
			t.Errorf("%d events stored, want 3", n)
		}
		if _, err := b.store.GetProfile(ctx, wsB, "v"); err != nil {
			t.Errorf("an event's customer has no profile: %v", err)
		}
	})

	t.Run("UnroutedEventsAreFoundUntilMarked", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		old := time.Now().Add(-time.Minute)
		_, err := b.store.InsertEvents(ctx, []store.Event{
			{WorkspaceID: wsA, MessageID: "old", UserID: "u", Name: "e", ReceivedAt: old},
			{WorkspaceID: wsB, MessageID: "old_b", UserID: "u", Name: "e", ReceivedAt: old.Add(time.Second)},
			{WorkspaceID: wsA, MessageID: "new", UserID: "u", Name: "e"},
			{WorkspaceID: wsA, MessageID: "no_journey_uses_it", UserID: "u", Name: "e", ReceivedAt: old, RoutedAt: &old},
		})
		mustNot(t, err)
		got, err := b.store.UnroutedEvents(ctx, time.Now().Add(-10*time.Second), 10)
		mustNot(t, err)
		if len(got) != 2 || got[0].MessageID != "old" || got[1].MessageID != "old_b" {
			t.Errorf("UnroutedEvents = %+v, want old then old_b", got)
		}
		byID, err := b.store.UnroutedEventsByID(ctx, wsA, []string{"old", "new", "old_b"})
		mustNot(t, err)
		if len(byID) != 2 {
			t.Errorf("UnroutedEventsByID = %d events, want ws_a's two", len(byID))
		}
		n, err := b.store.MarkEventsRouted(ctx, wsA, []string{"old", "new"})
		mustNot(t, err)
		got, err = b.store.UnroutedEvents(ctx, time.Now().Add(time.Second), 10)
		mustNot(t, err)
		if n != 2 || len(got) != 1 || got[0].MessageID != "old_b" {
			t.Errorf("after marking: %d marked, %+v left", n, got)
		}
	})

	t.Run("TimelinePagesNewestFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var evs []store.Event
		for i := range 7 {
			// Pairs share a timestamp, so paging must order by message id too.
			evs = append(evs, store.Event{WorkspaceID: wsA, MessageID: fmt.Sprintf("m%d", i), UserID: "u",
				Name: "e", Timestamp: t0.Add(time.Duration(i/2) * time.Minute)})
		}
		evs = append(evs, store.Event{WorkspaceID: wsA, MessageID: "other", UserID: "someone else", Name: "e"})
		_, err := b.store.InsertEvents(ctx, evs)
		mustNot(t, err)
		var got []string
		after := ""
		for range 10 {
			page, next, err := b.store.CustomerEvents(ctx, wsA, "u", store.TimelineFilter{Limit: 3, After: after})
			mustNot(t, err)
			for _, e := range page {
				got = append(got, e.MessageID)
			}
			if after = next; after == "" {
				break
			}
		}
		if fmt.Sprint(got) != "[m6 m5 m4 m3 m2 m1 m0]" {
			t.Errorf("timeline = %v", got)
		}
		if _, _, err := b.store.CustomerEvents(ctx, wsA, "u", store.TimelineFilter{After: "garbage!"}); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("a bad cursor = %v", err)
		}
	})

	t.Run("PartitionsAheadTakeOverWhatTheDefaultCaught", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		future := time.Date(2031, 5, 17, 0, 0, 0, 0, time.UTC)
		_, err := b.store.InsertEvents(ctx, []store.Event{{WorkspaceID: wsA, MessageID: "f", UserID: "u", Name: "e", ReceivedAt: future}})
		mustNot(t, err)
		where := func() string {
			var table string
			mustNot(t, b.db.QueryRow(ctx, `SELECT tableoid::regclass::text FROM events WHERE message_id = 'f'`).Scan(&table))
			return table
		}
		if got := where(); got != "events_default" {
			t.Fatalf("an event of a month without a partition went to %s", got)
		}
		mustNot(t, b.store.EnsureEventPartitions(ctx, future.AddDate(0, -1, 0), 2))
		mustNot(t, b.store.EnsureEventPartitions(ctx, future, 0)) // a second run changes nothing
		if got := where(); got != "events_2031_05" {
			t.Errorf("after making partitions ahead the event is in %s", got)
		}
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass
			AND inhrelid::regclass::text IN ('events_2031_04', 'events_2031_05', 'events_2031_06')`).Scan(&n))
		if n != 3 {
			t.Errorf("%d of the 3 months ahead have partitions", n)
		}
	})
}

func TestEraseCustomer(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	_, err := b.store.ChangeProfile(ctx, wsA, "anon", store.ProfileChange{Set: map[string]any{"email": "x@example.jp"}}, time.Now())
	mustNot(t, err)
	_, err = b.store.InsertEvents(ctx, []store.Event{
		{WorkspaceID: wsA, MessageID: "a1", UserID: "anon", Name: "view"},
		{WorkspaceID: wsA, MessageID: "keep", UserID: "someone", Name: "view"},
		{WorkspaceID: wsB, MessageID: "b1", UserID: "u", Name: "view"},
	})
	mustNot(t, err)
	_, err = b.store.MergeProfiles(ctx, wsA, "anon", "u", true)
	mustNot(t, err)
	_, _, err = b.store.RecordMessage(ctx, store.Message{ID: "msg1", WorkspaceID: wsA, CustomerID: "u", Channel: "email"})
	mustNot(t, err)
	mustNot(t, b.store.DeferBroadcast(ctx, wsA, "bc1", map[string]time.Time{"u": time.Now().Add(time.Hour)}))
	e, err := b.store.EraseCustomer(ctx, wsA, "u", []string{"u", "anon"}, "key_1", 2)
	mustNot(t, err)
	if e.Counts["events"] != 1 || e.Counts["profiles"] != 1 || e.Counts["profile_identities"] != 1 || e.Counts["messages"] != 1 ||
		e.Counts["broadcast_deferrals"] != 1 || e.RunsEnded != 2 || e.ActorKeyID != "key_1" || len(e.SubjectHash) != 64 {
		t.Errorf("erasure = %+v", e)
	}
	for _, q := range []string{
		`SELECT count(*) FROM events WHERE workspace_id = 'ws_a' AND message_id = 'a1'`,
		`SELECT count(*) FROM event_ids WHERE workspace_id = 'ws_a' AND message_id = 'a1'`,
		`SELECT count(*) FROM erasures WHERE counts::text LIKE '%anon%' OR subject_hash = 'u'`,
	} {
		var n int
		mustNot(t, b.db.QueryRow(ctx, q).Scan(&n))
		if n != 0 {
			t.Errorf("%s = %d, want 0", q, n)
		}
	}
	for ws, id := range map[string]string{wsA: "keep", wsB: "b1"} {
		if _, err := b.store.GetEvent(ctx, ws, id); err != nil {
			t.Errorf("erasure removed another customer's event %s/%s: %v", ws, id, err)
		}
	}
	if ok, err := b.store.Erased(ctx, wsA, "u"); err != nil || !ok {
		t.Errorf("Erased(u) = %v, %v", ok, err)
	}
	if ok, _ := b.store.Erased(ctx, wsA, "v"); ok {
		t.Error("Erased(v) = true for an id never erased")
	}
}
