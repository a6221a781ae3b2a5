package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// costlyFilter doubles the entry event's text at six nested levels: it
// passes the save-time estimate (event properties are dyn) and overruns the
// CEL cost limit on a 30,000-character value.
const costlyFilter = `[event.properties.s + event.properties.s].exists(a, [a + a].exists(b, [b + b].exists(c, ` +
	`[c + c].exists(d, [d + d].exists(e, [e + e].exists(f, f == ""))))))`

func TestCELBudget(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, write := b.keys(t, "w")
	admin["Content-Type"] = "application/json"
	journeyBody := func(id, filter string) string {
		return fmt.Sprintf(`{"id":%q,"name":"x","definition":{"entry":{"event":"cart_add","filter":%q},"nodes":[{"id":"a","kind":"exit"}]}}`, id, filter)
	}

	t.Run("RefusesCostlyOrLongConditionsNamingTheField", func(t *testing.T) {
		ten := "[0,1,2,3,4,5,6,7,8,9]"
		for name, filter := range map[string]string{
			"Costly": `event.properties.items.exists(a, event.properties.items.exists(b, a == b))`,
			"Nested": ten + `.exists(a, ` + ten + `.exists(b, ` + ten + `.exists(c, ` + ten + `.exists(d, ` + ten + `.exists(e, ` + ten + `.exists(f, ` + ten + `.exists(g, g < 0)))))))`,
			"Long":   `event.name == "` + strings.Repeat("x", 4100) + `"`,
		} {
			status, body := b.do(t, "POST", "/v1/journeys", admin, journeyBody("refused", filter))
			if status != 422 || !strings.Contains(body, `"field":"definition.entry.filter"`) {
				t.Errorf("%s: POST = %d %.300s; want 422 naming definition.entry.filter", name, status, body)
			}
		}
		status, body := b.do(t, "PUT", "/v1/scoring", admin,
			`{"events":[{"id":"x","event":"page_viewed","filter":"event.properties.items.exists(a, event.properties.items.exists(b, a == b))","points":1}]}`)
		if status != 422 || !strings.Contains(body, `"field":"events[0].filter"`) || !strings.Contains(body, "too costly") {
			t.Errorf("PUT /v1/scoring = %d %s; want 422 naming events[0].filter", status, body)
		}
	})

	t.Run("AnEntryFilterOverTheLimitStoresTheEventEntersNobodyAndCounts", func(t *testing.T) {
		if status, body := b.do(t, "POST", "/v1/journeys", admin, journeyBody("costly", costlyFilter)); status != 201 {
			t.Fatalf("POST = %d %s", status, body)
		}
		if _, err := b.store.ActivateJourney(context.Background(), "w", "costly"); err != nil {
			t.Fatal(err) // through the store: the API's activation also syncs Temporal schedules
		}
		event := fmt.Sprintf(`{"userId":"u1","event":"cart_add","messageId":"m_big","properties":{"s":%q}}`, strings.Repeat("a", 30000))
		if status, body := b.do(t, "POST", "/v1/track", write, event); status != 200 {
			t.Fatalf("track = %d %s", status, body)
		}
		ev, err := b.store.GetEvent(context.Background(), "w", "m_big")
		if err != nil || ev.RoutedAt == nil {
			t.Fatalf("event = %+v, %v; want it stored and routed", ev, err)
		}
		st, err := b.store.JourneyStats(context.Background(), "w", "costly", store.StatsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.EntryErrors) != 1 || st.EntryErrors[0].Reason != "cel_cost_limit" || st.EntryErrors[0].Count != 1 || st.Totals.Entered != 0 {
			out, _ := json.Marshal(st)
			t.Errorf("stats = %s; want one cel_cost_limit entry error and no entry", out)
		}
	})

	t.Run("AnIngestionCallSpendsAtMostItsBudgetOnFilters", func(t *testing.T) {
		// In workspace "other": the API caches each workspace's journeys,
		// and these are activated through the store.
		admin, write := b.keys(t, "other")
		admin["Content-Type"] = "application/json"
		// About 275,000 units an event, under the limit: without a budget a
		// batch of 40 spends eleven million.
		l := "[" + strings.TrimSuffix(strings.Repeat("0,", 14), ",") + "]"
		loops := l + ".exists(a, " + l + ".exists(b, " + l + ".exists(c, " + l + ".exists(d, d < 0))))"
		body := fmt.Sprintf(`{"id":"loops","name":"x","definition":{"entry":{"event":"loop","filter":%q},"nodes":[{"id":"a","kind":"exit"}]}}`, loops)
		if status, out := b.do(t, "POST", "/v1/journeys", admin, body); status != 201 {
			t.Fatalf("POST = %d %s", status, out)
		}
		if _, err := b.store.ActivateJourney(context.Background(), "other", "loops"); err != nil {
			t.Fatal(err)
		}
		var batch []string
		for i := range 40 {
			batch = append(batch, fmt.Sprintf(`{"type":"track","userId":"u1","event":"loop","messageId":"m_loop_%d"}`, i))
		}
		if status, out := b.do(t, "POST", "/v1/batch", write, `{"batch":[`+strings.Join(batch, ",")+`]}`); status != 200 {
			t.Fatalf("batch = %d %s", status, out)
		}
		st, err := b.store.JourneyStats(context.Background(), "other", "loops", store.StatsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		// 3,000,000 units: ten filters spend 2,748,170 and the eleventh
		// takes the budget past zero; the other 29 are not evaluated.
		if len(st.EntryErrors) != 1 || st.EntryErrors[0].Reason != "cel_request_budget" || st.EntryErrors[0].Count != 29 {
			t.Errorf("entryErrors = %+v; want 29 cel_request_budget", st.EntryErrors)
		}
	})
}
