package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// countersDifferFromARebuildSQL counts the purchase counter rows of
// workspace $1 that differ from what counting its stored purchases anew
// gives (tabiji_purchase_contributions over every customer with events), either way.
const countersDifferFromARebuildSQL = `
	WITH kept AS (
		SELECT metric, x, y, sum(n) AS n, sum(revenue) AS revenue FROM purchase_counters
		WHERE workspace_id = $1 AND event = 'purchase' GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(revenue) <> 0
	), rebuilt AS (
		SELECT metric, x, y, n, revenue FROM tabiji_purchase_contributions($1, 'purchase',
			(SELECT array_agg(DISTINCT user_id) FROM events WHERE workspace_id = $1), '{}', '{}', '{}', '{}')
	)
	SELECT (SELECT count(*) FROM (TABLE kept EXCEPT ALL TABLE rebuilt) a) + (SELECT count(*) FROM (TABLE rebuilt EXCEPT ALL TABLE kept) b),
		(SELECT count(*) FROM kept)`

// countersMatchARebuild fails t when the counters that ingestion, merges
// and erasures kept for ws differ from a count of its stored purchases, or
// when there are none.
func countersMatchARebuild(t *testing.T, b *testBundle, ws string) {
	t.Helper()
	var differ, kept int64
	mustNot(t, b.db.QueryRow(context.Background(), countersDifferFromARebuildSQL, ws).Scan(&differ, &kept))
	if differ != 0 || kept == 0 {
		t.Errorf("workspace %s: %d of %d counter rows differ from a rebuild", ws, differ, kept)
	}
}

// TestPurchaseCountersUnderConcurrentChanges: purchases of the same
// customers sent at once in many batches, out of time order and some
// twice, while anonymous buyers are merged into them and one is erased,
// leave the counters as a count of the stored purchases makes them, and
// the dashboard's figures those of the reference.
func TestPurchaseCountersUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for k := range 6 {
				var batch []store.Event
				for c := range 5 {
					i := g*6 + k
					batch = append(batch, store.Event{WorkspaceID: wsA, MessageID: fmt.Sprintf("p-%d-%d", i, c),
						UserID: fmt.Sprintf("c%d", c), Name: "purchase", Properties: json.RawMessage(fmt.Sprintf(`{"revenue": %d.5}`, 100+i)),
						Timestamp: base.Add(time.Duration((i*7919+c*104729)%(40*24*60)) * time.Minute)})
				}
				batch = append(batch, batch[0]) // sent twice
				if _, err := b.store.InsertEvents(ctx, batch); err != nil {
					errs <- err
				}
			}
		})
	}
	for c := range 3 {
		wg.Go(func() {
			anon := fmt.Sprintf("anon-%d", c)
			_, err := b.store.InsertEvents(ctx, []store.Event{{WorkspaceID: wsA, MessageID: "a-" + anon, UserID: anon,
				Name: "purchase", Properties: json.RawMessage(`{"total": 70}`), Timestamp: base.Add(-time.Duration(c) * time.Hour)}})
			if err == nil {
				_, err = b.store.MergeProfiles(ctx, wsA, anon, fmt.Sprintf("c%d", c), false)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Go(func() {
		if _, err := b.store.EraseCustomer(ctx, wsA, "c4", []string{"c4"}, "key_test", 0); err != nil {
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	countersMatchARebuild(t, b, wsA)
	for _, q := range []store.KPIQuery{
		{From: base.AddDate(0, 0, 10), To: base.AddDate(0, 0, 20), TZ: "UTC"},
		{From: base.AddDate(0, 0, 14).Add(45 * time.Minute), To: base.AddDate(0, 0, 30).Add(15 * time.Minute), TZ: "Asia/Tokyo"},
	} {
		got, err := b.store.Dashboard(ctx, wsA, q, time.Time{})
		mustNot(t, err)
		if want := referenceDashboard(t, b, wsA, q, time.Time{}); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("dashboard %+v\nreference %+v", got, want)
		}
		if got.Current.Totals.Buyers == 0 || got.Current.Totals.RepeatPurchaseRate == 0 {
			t.Errorf("the period %v–%v has no repeat buyers: %+v", q.From, q.To, got.Current.Totals)
		}
	}
}
