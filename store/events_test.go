package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)
	event := func(ws, id string) store.Event {
		return store.Event{
			WorkspaceID: ws, MessageID: id, UserID: "u_1", Name: "cart_add",
			Properties: json.RawMessage(`{"sku": "A1", "price": 12.5}`), Context: json.RawMessage(`{"ip": "203.0.113.9"}`),
			Timestamp: at, ReceivedAt: at.Add(time.Second),
		}
	}

	t.Run("StoresAnEventAndReturnsTheRow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		stored, inserted, err := b.store.InsertEvent(ctx, event(wsA, "m1"))
		mustNot(t, err)
		if !inserted || stored.WorkspaceID != wsA || stored.MessageID != "m1" || stored.Type != "track" ||
			stored.UserID != "u_1" || stored.Name != "cart_add" || !stored.Timestamp.Equal(at) ||
			!stored.ReceivedAt.Equal(at.Add(time.Second)) || stored.RoutedAt != nil {
			t.Errorf("InsertEvent = %+v, %v", stored, inserted)
		}
		jsonEqual(t, stored.Properties, json.RawMessage(`{"price": 12.5, "sku": "A1"}`))
		jsonEqual(t, stored.Context, json.RawMessage(`{"ip": "203.0.113.9"}`))
	})

	t.Run("KeepsTheFirstOfTwoEventsWithOneMessageId", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		first, _, err := b.store.InsertEvent(ctx, event(wsA, "m1"))
		mustNot(t, err)
		dup := event(wsA, "m1")
		dup.Name, dup.Properties = "purchase", json.RawMessage(`{"sku": "B2"}`)
		stored, inserted, err := b.store.InsertEvent(ctx, dup)
		mustNot(t, err)
		if inserted {
			t.Error("a duplicate was inserted")
		}
		if !reflect.DeepEqual(stored, first) {
			t.Errorf("duplicate returned %+v, want the first row %+v", stored, first)
		}
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n))
		if n != 1 {
			t.Errorf("%d events stored, want 1", n)
		}
	})

	t.Run("ScopesMessageIdsByWorkspace", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, err := b.store.InsertEvent(ctx, event(wsA, "m1"))
		mustNot(t, err)
		other := event(wsB, "m1")
		other.UserID = "u_b"
		stored, inserted, err := b.store.InsertEvent(ctx, other)
		mustNot(t, err)
		if !inserted || stored.WorkspaceID != wsB || stored.UserID != "u_b" {
			t.Errorf("the same message id in another workspace = %+v, %v; want a new row", stored, inserted)
		}
	})

	t.Run("FillsDefaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		before := time.Now().Add(-time.Minute)
		stored, _, err := b.store.InsertEvent(ctx, store.Event{WorkspaceID: wsA, MessageID: "m1", UserID: "u", Name: "signup"})
		mustNot(t, err)
		if string(stored.Properties) != "{}" || string(stored.Context) != "{}" || stored.Type != "track" {
			t.Errorf("defaults: properties %s, context %s, type %q", stored.Properties, stored.Context, stored.Type)
		}
		if stored.ReceivedAt.Before(before) || !stored.Timestamp.Equal(stored.ReceivedAt) {
			t.Errorf("timestamp %v, received_at %v: want both now", stored.Timestamp, stored.ReceivedAt)
		}
	})

	t.Run("ReturnsTheSameRowToConcurrentDuplicates", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		const n = 8
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			inserts  int
			messages = map[string]bool{}
		)
		for i := range n {
			wg.Go(func() {
				e := event(wsA, "m_race")
				e.UserID = "u_" + string(rune('a'+i))
				stored, inserted, err := b.store.InsertEvent(ctx, e)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				messages[stored.UserID] = true
				if inserted {
					inserts++
				}
			})
		}
		wg.Wait()
		if inserts != 1 || len(messages) != 1 {
			t.Errorf("%d inserts, %d distinct rows returned; want 1 and 1", inserts, len(messages))
		}
	})

	t.Run("MarksAnEventRoutedOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, _, err := b.store.InsertEvent(ctx, event(wsA, "m1"))
		mustNot(t, err)
		_, _, err = b.store.InsertEvent(ctx, event(wsB, "m1"))
		mustNot(t, err)
		mustNot(t, b.store.MarkEventRouted(ctx, wsA, "m1"))
		first := routedAt(t, b, wsA, "m1")
		if first == nil {
			t.Fatal("routed_at not set")
		}
		if other := routedAt(t, b, wsB, "m1"); other != nil {
			t.Errorf("marking ws_a's event routed marked ws_b's too")
		}
		mustNot(t, b.store.MarkEventRouted(ctx, wsA, "m1"))
		if again := routedAt(t, b, wsA, "m1"); again == nil || !again.Equal(*first) {
			t.Errorf("a second mark moved routed_at from %v to %v", first, again)
		}
		if err := b.store.MarkEventRouted(ctx, wsA, "m_nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MarkEventRouted of a missing event = %v, want ErrNotFound", err)
		}
		dup, inserted, err := b.store.InsertEvent(ctx, event(wsA, "m1"))
		mustNot(t, err)
		if inserted || dup.RoutedAt == nil || !dup.RoutedAt.Equal(*first) {
			t.Errorf("a duplicate of a routed event = %+v, %v; want the routed row", dup, inserted)
		}
	})
}

func routedAt(t *testing.T, b *testBundle, ws, id string) *time.Time {
	t.Helper()
	var at *time.Time
	mustNot(t, b.db.QueryRow(context.Background(),
		`SELECT routed_at FROM event_ids WHERE workspace_id = $1 AND message_id = $2`, ws, id).Scan(&at))
	return at
}
