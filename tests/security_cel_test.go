package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/tabiji/tabiji/workflows"
)

// celDoubling doubles the entry event's text s at six nested levels: it
// passes the save-time estimate (event properties are dyn, so cel-go sees
// each + as one operation) and overruns the CEL cost limit on a
// 30,000-character s, while a short s costs next to nothing.
const celDoubling = `[event.properties.s + event.properties.s].exists(a, [a + a].exists(b, [b + b].exists(c, ` +
	`[c + c].exists(d, [d + d].exists(e, [e + e].exists(f, f == ""))))))`

// celNestedLoops is ten million iterations: about ten seconds a call
// without the cost limit. The save-time check refuses it; it stands for a
// filter stored before that check existed.
func celNestedLoops() string {
	ten := "[0,1,2,3,4,5,6,7,8,9]"
	src, closing := "", ""
	for _, v := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		src += ten + ".exists(" + v + ", "
		closing += ")"
	}
	return src + "g < 0" + closing
}

func celJourney(id, filter string) map[string]any {
	return map[string]any{"id": id, "name": id, "definition": map[string]any{
		"entry": map[string]any{"event": "cel_" + id, "filter": filter},
		"nodes": []any{
			map[string]any{"id": "hold", "kind": "wait", "duration": "1h", "next": "done"},
			map[string]any{"id": "done", "kind": "exit"},
		},
	}}
}

func TestSecurityCEL(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()

	admin := map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}

	t.Run("CostlyOrLongConditionsAreRefusedAtSaveNamingTheField", func(t *testing.T) {
		branch := celJourney("refused", "")
		def := branch["definition"].(map[string]any)
		def["nodes"] = []any{
			map[string]any{"id": "check", "kind": "branch", "default": "done", "cases": []any{
				map[string]any{"condition": celNestedLoops(), "next": "done"}}},
			map[string]any{"id": "done", "kind": "exit"},
		}
		status, _, p := s.raw("POST", "/v1/journeys", admin, mustJSON(t, branch))
		if status != http.StatusUnprocessableEntity || problemField(p) != "definition.nodes[0].cases[0].condition" || !strings.Contains(fmt.Sprint(p), "too costly") {
			t.Errorf("costly branch = %d %v", status, p)
		}
		long := celJourney("long", `event.name == "`+strings.Repeat("x", 5000)+`"`)
		status, _, p = s.raw("POST", "/v1/journeys", admin, mustJSON(t, long))
		if status != http.StatusUnprocessableEntity || problemField(p) != "definition.entry.filter" || !strings.Contains(fmt.Sprint(p), "at most 4096") {
			t.Errorf("long filter = %d %v", status, p)
		}
		status, _, p = s.raw("PUT", "/v1/scoring", admin,
			`{"traits":[{"id":"t","condition":"profile.tags.exists(a, profile.tags.exists(b, a == b))","points":1}]}`)
		if status != http.StatusUnprocessableEntity || problemField(p) != "traits[0].condition" {
			t.Errorf("costly scoring rule = %d %v", status, p)
		}
	})

	t.Run("AnEntryFilterOverTheLimitStoresTheEventAndEntersNobody", func(t *testing.T) {
		s.call("POST", "/v1/journeys", "admin", celJourney("doubling", "!"+celDoubling), http.StatusCreated, nil)
		s.call("POST", "/v1/journeys/doubling/activate", "admin", nil, http.StatusOK, nil)
		s.trackProps("cel_big", "cel_doubling", "m_cel_big", map[string]any{"s": strings.Repeat("a", 30000)})
		s.trackProps("cel_small", "cel_doubling", "m_cel_small", map[string]any{"s": "a"})

		ev, err := s.store.GetEvent(context.Background(), "default", "m_cel_big")
		if err != nil || ev.RoutedAt == nil {
			t.Fatalf("the event = %+v, %v; want it stored and routed", ev, err)
		}
		eventually(t, 30*time.Second, "the small event's run", func() bool { return len(runsOf(s, "cel_small")) == 1 })
		_, err = s.temporal.DescribeWorkflowExecution(context.Background(), workflows.JourneyWorkflowID("default", "doubling", "cel_big"), "")
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("the big event's customer has a run (describe: %v)", err)
		}
		var stats struct {
			EntryErrors []struct {
				Reason string `json:"reason"`
				Count  int    `json:"count"`
			} `json:"entryErrors"`
		}
		s.call("GET", "/v1/journeys/doubling/stats", "admin", nil, http.StatusOK, &stats)
		if len(stats.EntryErrors) != 1 || stats.EntryErrors[0].Reason != workflows.OutcomeCostLimit || stats.EntryErrors[0].Count != 1 {
			t.Errorf("entryErrors = %+v; want one %s", stats.EntryErrors, workflows.OutcomeCostLimit)
		}
	})

	t.Run("TheAPIStaysResponsiveWhileFiltersOverrun", func(t *testing.T) {
		// Stored as before the save-time check, then activated.
		raw, _ := json.Marshal(celJourney("loops", celNestedLoops())["definition"])
		if _, err := s.store.CreateJourney(context.Background(), "default", "loops", "loops", raw); err != nil {
			t.Fatal(err)
		}
		s.call("POST", "/v1/journeys/loops/activate", "admin", nil, http.StatusOK, nil)
		var batch []map[string]any
		for i := range 10 {
			batch = append(batch, map[string]any{"type": "track", "userId": fmt.Sprintf("cel_loop_%d", i), "event": "cel_loops", "messageId": fmt.Sprintf("m_cel_loop_%d", i)})
		}
		var wg sync.WaitGroup
		var took time.Duration
		var status int
		var err error
		body := mustJSON(t, map[string]any{"batch": batch})
		wg.Go(func() {
			start := time.Now()
			req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/batch", strings.NewReader(body))
			req.SetBasicAuth(s.write, "")
			req.Header.Set("Content-Type", "application/json")
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			took = time.Since(start)
		})
		start := time.Now()
		s.call("GET", "/v1/journeys/loops", "admin", nil, http.StatusOK, nil)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("a management call took %v meanwhile", d)
		}
		wg.Wait()
		if err != nil || status != http.StatusOK {
			t.Fatalf("batch = %d, %v", status, err)
		}
		// Without the limit each event's filter runs about ten seconds.
		if took > 10*time.Second {
			t.Errorf("the batch of 10 took %v", took)
		}
		var stats struct {
			EntryErrors []struct{ Count int } `json:"entryErrors"`
		}
		s.call("GET", "/v1/journeys/loops/stats", "admin", nil, http.StatusOK, &stats)
		if len(stats.EntryErrors) != 1 || stats.EntryErrors[0].Count != 10 {
			t.Errorf("entryErrors = %+v; want 10", stats.EntryErrors)
		}
	})
}
