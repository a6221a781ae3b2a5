package tests

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tabiji/tabiji/store"
)

// TestConversionAfterTheRunEndedOnTheRealStack: a purchase within the goal
// window counts for a run that already reached its exit node (stats, the
// journey-revenue KPI and the experiment counters move); one a second after
// the window or before the entry does not; an event routed again by the
// sweeper counts once, and so does a goal the running workflow took itself;
// a goal match that reads the entry event holds as in the workflow.
func TestConversionAfterTheRunEndedOnTheRealStack(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	// late ends right after its email; alive waits for done_shopping.
	s.createActive("late", `{"entry":{"event":"cart_add"},"goal":{"event":"purchase","window":"1h"},"nodes":[
		{"id":"mail","kind":"send","channel":"email","template":{"subject":"Your cart","body":"Still there"},"next":"end"},
		{"id":"end","kind":"exit"}]}`)
	s.createActive("alive", `{"entry":{"event":"signup"},"goal":{"event":"purchase","window":"1h"},"nodes":[
		{"id":"w","kind":"wait_for","timeout":"1h","on_timeout":"end","events":[{"event":"done_shopping","next":"end"}]},
		{"id":"end","kind":"exit"}]}`)
	// bycart credits the purchase of the cart that entered the run: its
	// match reads the entry event, which the API reads back from Temporal.
	s.createActive("bycart", `{"entry":{"event":"cart_open"},"goal":{"event":"purchase","window":"1h",
		"match":"event.properties.cart_id == entry.properties.cart_id"},"nodes":[{"id":"end","kind":"exit"}]}`)
	stats := func(id string) store.StatsTotals {
		var st store.JourneyStats
		s.call("GET", "/v1/journeys/"+id+"/stats", "admin", nil, http.StatusOK, &st)
		return st.Totals
	}
	s.track("u_a", "cart_add", "c-1")
	s.track("u_b", "signup", "s-1")
	s.trackProps("u_c", "cart_open", "o-1", map[string]any{"cart_id": "k1"})
	eventually(t, 30*time.Second, "u_a's and u_c's runs to end and u_b's to start", func() bool {
		return stats("late").Exited == 1 && stats("alive").Entered == 1 && stats("bycart").Exited == 1
	})
	entered := s.queryTime(`SELECT entered_at FROM journey_runs WHERE journey_id = 'late'`)

	buy := func(user, id string, at time.Time, revenue float64, cart ...string) {
		props := map[string]any{"revenue": revenue}
		if len(cart) > 0 {
			props["cart_id"] = cart[0]
		}
		body := map[string]any{"userId": user, "event": "purchase", "messageId": id, "properties": props}
		if !at.IsZero() {
			body["timestamp"] = at.Format(time.RFC3339Nano)
		}
		s.call("POST", "/v1/track", "write", body, http.StatusOK, nil)
	}
	buy("u_a", "p-before", entered.Add(-time.Minute), 1)
	buy("u_a", "p-after", entered.Add(time.Hour+time.Second), 2)
	buy("u_a", "p-in", entered.Add(10*time.Minute), 40)
	buy("u_b", "q-1", time.Time{}, 5)
	buy("u_c", "k-2", time.Time{}, 9, "k2") // another cart's
	buy("u_c", "k-1", time.Time{}, 30, "k1")
	eventually(t, 30*time.Second, "the post-exit purchases and the live one to count", func() bool {
		return stats("late").Conversions == 1 && stats("alive").Conversions == 1 && stats("bycart").Conversions == 1
	})
	check := func() {
		t.Helper()
		if late := stats("late"); late.Converted != 1 || late.Conversions != 1 || late.Revenue != 40 {
			t.Errorf("late totals = %+v, want converted 1, conversions 1, revenue 40", late)
		}
		if alive := stats("alive"); alive.Converted != 1 || alive.Conversions != 1 || alive.Revenue != 5 {
			t.Errorf("alive totals = %+v, want converted 1, conversions 1, revenue 5", alive)
		}
		if bycart := stats("bycart"); bycart.Converted != 1 || bycart.Conversions != 1 || bycart.Revenue != 30 {
			t.Errorf("bycart totals = %+v, want converted 1, conversions 1, revenue 30 (cart k1's purchase only)", bycart)
		}
		var rev struct{ Journeys []store.JourneyRevenue }
		s.call("GET", "/v1/kpis/journey-revenue", "admin", nil, http.StatusOK, &rev)
		for _, j := range rev.Journeys {
			if want := map[string]float64{"late": 40, "alive": 5, "bycart": 30}[j.JourneyID]; j.Revenue != want || j.Converted != 1 {
				t.Errorf("journey revenue of %s = %+v, want %v", j.JourneyID, j, want)
			}
		}
		exp, err := s.store.ExperimentCounts(context.Background(), "default", "late", nil)
		if err != nil || exp.Messaged.Entered != 1 || exp.Messaged.Converted != 1 {
			t.Errorf("late's experiment counts = %+v %v, want 1 messaged run, converted", exp, err)
		}
	}
	check()

	// u_b's run ends; then the sweeper routes p-in and q-1 again.
	s.track("u_b", "done_shopping", "d-1")
	eventually(t, 30*time.Second, "u_b's run to end", func() bool { return stats("alive").Exited == 1 })
	s.exec(`UPDATE event_ids SET routed_at = NULL WHERE message_id IN ('p-in', 'q-1')`)
	s.runSweeper()
	eventually(t, 30*time.Second, "the sweeper to route p-in and q-1 again", func() bool {
		return s.queryInt(`SELECT count(*) FROM event_ids WHERE message_id IN ('p-in', 'q-1') AND routed_at IS NOT NULL`) == 2
	})
	check()
}

// queryTime reads one time from the test database.
func (s *stack) queryTime(sql string) time.Time {
	s.t.Helper()
	var at time.Time
	s.queryRow(sql, &at)
	return at
}

// queryInt reads one number from the test database.
func (s *stack) queryInt(sql string) int {
	s.t.Helper()
	var n int
	s.queryRow(sql, &n)
	return n
}

func (s *stack) queryRow(sql string, dest any) {
	s.t.Helper()
	conn, err := pgx.Connect(context.Background(), s.dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), sql).Scan(dest); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
}
