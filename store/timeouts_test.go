package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// lockProfiles holds an exclusive lock on the profiles table until the test
// ends, so any statement reading profiles waits: a statement that only a
// timeout can end.
func lockProfiles(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	tx, err := db.Begin(context.Background())
	mustNot(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	_, err = tx.Exec(context.Background(), `LOCK TABLE profiles IN ACCESS EXCLUSIVE MODE`)
	mustNot(t, err)
}

func openWith(t *testing.T, url string, opts store.Options) *store.Store {
	t.Helper()
	s, err := store.OpenWith(context.Background(), url, opts)
	mustNot(t, err)
	t.Cleanup(s.Close)
	mustNot(t, s.EnsureWorkspace(context.Background(), wsA, "A"))
	return s
}

// TestStatementTimeouts: before Options, a statement of an API request ran
// as long as Postgres let it (no statement_timeout), holding a connection
// of the pool; a lock or a heavy query hung the request.
func TestStatementTimeouts(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := pgxpool.New(ctx, url)
	mustNot(t, err)
	t.Cleanup(db.Close)

	t.Run("ThePoolCancelsALongStatement", func(t *testing.T) {
		s := openWith(t, url, store.Options{StatementTimeout: 200 * time.Millisecond})
		lockProfiles(t, db)
		started := time.Now()
		_, err := s.GetProfile(ctx, wsA, "u1")
		if !store.StatementTimedOut(err) {
			t.Fatalf("err = %v, want a statement cancelled at its timeout (57014)", err)
		}
		if took := time.Since(started); took > 10*time.Second {
			t.Errorf("took %v", took)
		}
	})
	t.Run("SegmentQueriesHaveTheirOwnTimeout", func(t *testing.T) {
		s := openWith(t, url, store.Options{SegmentStatementTimeout: 200 * time.Millisecond})
		def, _ := json.Marshal(map[string]any{"condition": map[string]any{"tag": "vip"}})
		_, err := s.CreateSegment(ctx, wsA, store.Segment{ID: "vip", Name: "VIP", Definition: def})
		mustNot(t, err)
		lockProfiles(t, db)
		// Without the segment timeout the count would wait for the lock
		// until this deadline, and fail with it instead.
		wait, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err = s.CountSegment(wait, wsA, "vip")
		if !store.StatementTimedOut(err) {
			t.Fatalf("err = %v, want the count cancelled at the segment timeout", err)
		}
	})
	t.Run("ErasuresHaveTheSegmentTimeout", func(t *testing.T) {
		s := openWith(t, url, store.Options{SegmentStatementTimeout: 200 * time.Millisecond})
		lockProfiles(t, db)
		wait, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := s.EraseCustomer(wait, wsA, "u1", []string{"u1"}, "k", 0)
		if !store.StatementTimedOut(err) {
			t.Fatalf("err = %v, want the erasure cancelled at the segment timeout", err)
		}
	})
}
