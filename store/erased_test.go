package store_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

func erase(t *testing.T, s *store.Store, ws, id string) {
	t.Helper()
	_, err := s.EraseCustomer(context.Background(), ws, id, []string{id}, "k", 0)
	mustNot(t, err)
}

// TestErasureStaysErased: before 00026 an erasure deleted event_ids and
// suppressions with the rest, so a replay of the customer's calls was new
// to dedupe, a send in flight wrote its row, and a re-imported address that
// had complained was mailed again.
func TestErasureStaysErased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	s := b.store

	t.Run("TheErasedMessageIdsAreKnownAsHashes", func(t *testing.T) {
		_, err := s.InsertEvents(ctx, []store.Event{
			{WorkspaceID: wsA, MessageID: "r1", UserID: "replayer", Name: "Order Completed"},
			{WorkspaceID: wsA, MessageID: "r2", UserID: "replayer", Type: "identify"},
			{WorkspaceID: wsA, MessageID: "k1", UserID: "kept", Name: "Order Completed"},
			{WorkspaceID: wsB, MessageID: "r1", UserID: "replayer", Name: "Order Completed"},
		})
		mustNot(t, err)
		got, err := s.ErasedMessageIDs(ctx, wsA, []string{"r1", "r2", "k1"})
		mustNot(t, err)
		if len(got) != 0 {
			t.Fatalf("before any erasure: %v", got)
		}
		erase(t, s, wsA, "replayer")
		got, err = s.ErasedMessageIDs(ctx, wsA, []string{"r1", "r2", "k1", "new"})
		mustNot(t, err)
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"r1", "r2"}) {
			t.Errorf("erased = %v, want r1 and r2", keys)
		}
		if got, _ := s.ErasedMessageIDs(ctx, wsB, []string{"r1"}); len(got) != 0 {
			t.Errorf("another workspace's erasure counts: %v", got)
		}
		var plain int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM erased_ids WHERE position('r1'::bytea IN hash) > 0 OR length(hash) <> 32`).Scan(&plain))
		if plain != 0 {
			t.Errorf("%d erased ids are not 32-byte hashes", plain)
		}
	})
	t.Run("NoMessageIsWrittenOrClaimedForAnErasedCustomer", func(t *testing.T) {
		pending := store.Message{ID: "send-1", WorkspaceID: wsA, CustomerID: "inflight", Channel: "email", Status: store.MessagePending}
		_, _, err := s.RecordMessage(ctx, pending)
		mustNot(t, err)
		erase(t, s, wsA, "inflight")
		if _, _, err := s.ClaimMessage(ctx, wsA, "send-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("claim after erasure: %v, want ErrNotFound (the row is erased)", err)
		}
		for _, status := range []string{store.MessagePending, "skipped", "recorded"} {
			m := store.Message{ID: "send-2-" + status, WorkspaceID: wsA, CustomerID: "inflight", Channel: "email", Status: status}
			if _, _, err := s.RecordMessage(ctx, m); !errors.Is(err, store.ErrErased) {
				t.Errorf("record %s after erasure: %v, want ErrErased", status, err)
			}
		}
		wrote, err := s.RecordBroadcastMessages(ctx, "bc", []store.Message{
			{ID: "bc-1", WorkspaceID: wsA, CustomerID: "inflight", Channel: "email", Status: store.MessagePending},
			{ID: "bc-2", WorkspaceID: wsA, CustomerID: "someone", Channel: "email", Status: store.MessagePending}})
		if err != nil || wrote != 1 {
			t.Errorf("broadcast rows written = %d, %v; want only the customer not erased", wrote, err)
		}
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE customer_id = 'inflight'`).Scan(&n))
		if n != 0 {
			t.Errorf("%d message rows of the erased customer", n)
		}
		_, inserted, err := s.RecordMessage(ctx, store.Message{ID: "send-3", WorkspaceID: wsB, CustomerID: "inflight", Channel: "email"})
		if err != nil || !inserted {
			t.Errorf("the same id in another workspace: %v %v", inserted, err)
		}
	})
	t.Run("ComplaintsAndUnsubscribesStaySuppressed", func(t *testing.T) {
		for id, email := range map[string]string{"complainer": "Aiko@Example.com", "unsubscriber": "ken@example.com", "topic": "mio@example.com"} {
			_, err := s.ChangeProfile(ctx, wsA, id, store.ProfileChange{Set: map[string]any{"email": email}}, time.Now())
			mustNot(t, err)
		}
		mustNot(t, s.Suppress(ctx, store.Suppression{WorkspaceID: wsA, Channel: "email", Address: "aiko@example.com", Reason: store.SuppressSpamReport}))
		for id, topic := range map[string]string{"unsubscriber": "", "topic": "news"} {
			_, err := s.SetConsent(ctx, store.Consent{WorkspaceID: wsA, CustomerID: id, Channel: "email", Topic: topic, Status: store.OptedOut, Source: "preference_page"})
			mustNot(t, err)
		}
		for _, id := range []string{"complainer", "unsubscriber", "topic"} {
			erase(t, s, wsA, id)
		}
		var plain int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM suppressions WHERE workspace_id = $1`, wsA).Scan(&plain))
		if plain != 0 {
			t.Errorf("%d suppressions in clear after erasure", plain)
		}
		for address, reason := range map[string]string{" AIKO@example.com": store.SuppressSpamReport, "ken@example.com": store.SuppressUnsubscribe} {
			sp, err := s.Suppressed(ctx, wsA, "email", address)
			if err != nil || sp.Reason != reason {
				t.Errorf("Suppressed(%q) = %+v, %v; want %s", address, sp, err, reason)
			}
			if _, err := s.Suppressed(ctx, wsB, "email", address); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("another workspace: Suppressed(%q) = %v", address, err)
			}
		}
		// An opt-out of one topic is not an address suppression.
		if _, err := s.Suppressed(ctx, wsA, "email", "mio@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("topic opt-out: %v", err)
		}
		got, err := s.SuppressedAddresses(ctx, wsA, "email", []string{"Aiko@Example.com", "ken@example.com", "mio@example.com"})
		mustNot(t, err)
		if len(got) != 2 || got["Aiko@Example.com"] != store.SuppressSpamReport || got["ken@example.com"] != store.SuppressUnsubscribe {
			t.Errorf("SuppressedAddresses = %v", got)
		}
		if was, err := s.Unsuppress(ctx, wsA, "email", "ken@example.com"); err != nil || !was {
			t.Errorf("Unsuppress = %v, %v", was, err)
		}
		if _, err := s.Suppressed(ctx, wsA, "email", "ken@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after Unsuppress: %v", err)
		}
	})
}

// BenchmarkErasedMessageIDs is what ingestion adds to a batch of 100 calls:
// one lookup, in a workspace with erasures (1,000 erased messageIds) and
// in one without.
func BenchmarkErasedMessageIDs(b *testing.B) {
	ctx := context.Background()
	tb := setupB(b)
	events := make([]store.Event, 1000)
	for i := range events {
		events[i] = store.Event{WorkspaceID: wsA, MessageID: "old-" + strconv.Itoa(i), UserID: "gone", Name: "Order Completed"}
	}
	if _, err := tb.store.InsertEvents(ctx, events); err != nil {
		b.Fatal(err)
	}
	if _, err := tb.store.EraseCustomer(ctx, wsA, "gone", []string{"gone"}, "k", 0); err != nil {
		b.Fatal(err)
	}
	batch := make([]string, 100)
	for i := range batch {
		batch[i] = "new-" + strconv.Itoa(i)
	}
	for _, ws := range []string{wsA, wsB} {
		b.Run(ws, func(b *testing.B) {
			for b.Loop() {
				if _, err := tb.store.ErasedMessageIDs(ctx, ws, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestErasedHashSQL: the hash the queries write out is the one migration
// 00026 defines as tabiji_erased_hash.
func TestErasedHashSQL(t *testing.T) {
	b := setup(t)
	var same bool
	mustNot(t, b.db.QueryRow(context.Background(), `SELECT `+store.HashSQLForTest("$1::bytea", "$2::text", "$3::text")+
		` = tabiji_erased_hash($1, $2, $3)`, []byte{1, 2, 3}, "message", "m-1").Scan(&same))
	if !same {
		t.Error("hashSQL differs from tabiji_erased_hash")
	}
}
