package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestErasureOfJourneyStatistics: erasing customers removes what the
// statistics hold of them (runs, steps, conversions, message flags), keeps
// the counters, and counts a run still in progress as exited ("erased"),
// so entered stays exited plus in progress.
func TestErasureOfJourneyStatistics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	promoFixture(t, b) // c1 exited with an email and conversions, c2 exited, c3 waits with a conversion
	for _, c := range []string{"c1", "c3"} {
		_, err := b.store.EraseCustomer(ctx, wsA, c, []string{c}, "k", 0)
		mustNot(t, err)
	}
	for table, where := range map[string]string{
		"journey_runs":        `customer_id IN ('c1', 'c3')`,
		"journey_run_steps":   `run_key IN ('r1', 'r3')`,
		"journey_conversions": `customer_id IN ('c1', 'c3')`,
		"message_stat_flags":  `message_id = 'm1'`,
	} {
		var n int
		mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE `+where).Scan(&n))
		if n != 0 {
			t.Errorf("%s still holds %d rows of the erased customers", table, n)
		}
	}
	var left int
	mustNot(t, b.db.QueryRow(ctx, `SELECT count(*) FROM journey_run_steps WHERE run_key = 'r2'`).Scan(&left))
	if left != 3 {
		t.Errorf("erasure took another customer's steps: %d left of 3", left)
	}
	got, err := b.store.JourneyStats(ctx, wsA, "promo", store.StatsQuery{TZ: "UTC"})
	mustNot(t, err)
	if tt := got.Totals; tt.Entered != 3 || tt.InProgress != 0 || tt.Exited != 3 || tt.Sent != 2 || tt.Conversions != 3 {
		t.Errorf("totals after erasure = %+v; want the counters kept, the open run exited", tt)
	}
	if want := []store.ExitStats{{Reason: "done", Count: 2}, {Reason: "erased", Count: 1}}; !reflect.DeepEqual(got.Exited, want) {
		t.Errorf("exits = %+v, want %+v", got.Exited, want)
	}
}
