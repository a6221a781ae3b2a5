package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tabiji/tabiji/journey"
)

// TestEventRevenueReadsAsJourneyRevenue checks that the SQL function
// event_revenue (rewritten in 00044 to be inlined) reads an event's
// revenue as journey.Revenue does, for every shape a property can take.
func TestEventRevenueReadsAsJourneyRevenue(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	for _, props := range []string{
		`{}`, `{"revenue": 12.5}`, `{"revenue": " 12 "}`, `{"revenue": "abc", "total": 3}`,
		`{"revenue": null, "total": "4e2"}`, `{"value": -1}`, `{"revenue": true, "value": ".5"}`,
		`{"total": [1], "value": {}}`, `{"revenue": "1.", "total": 9}`, `{"revenue": "+7E-1"}`,
		`{"total": "", "value": "3"}`, `{"revenue": 0, "total": 5}`, `{"currency": "JPY"}`,
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(props), &m); err != nil {
			t.Fatal(err)
		}
		var got float64
		if err := tb.db.QueryRow(context.Background(), `SELECT event_revenue($1::jsonb)::float8`, props).Scan(&got); err != nil {
			t.Fatalf("event_revenue(%s): %v", props, err)
		}
		if want := journey.Revenue(m); got != want {
			t.Errorf("event_revenue(%s) = %v, journey.Revenue = %v", props, got, want)
		}
	}
}
