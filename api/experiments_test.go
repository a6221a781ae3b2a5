package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

const splitJourney = `{"entry":{"event":"signup"},"holdout":{"percent":20},"nodes":[
 {"id":"ab","kind":"split","variants":[{"name":"a","weight":1,"next":"done"},{"name":"b","weight":1,"next":"done"}],"control":{"weight":1,"next":"done"}},
 {"id":"done","kind":"exit"}]}`

// reportRuns records n runs of variant (holdout ones when holdout), the
// first conv of them converting after the split.
func reportRuns(t *testing.T, st *store.Store, prefix, variant string, holdout bool, n, conv int) {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range n {
		id := fmt.Sprintf("%s%d", prefix, i)
		r := store.RunReport{WorkspaceID: "w", RunKey: "wf/" + id, JourneyID: "promo", Version: 1, CustomerID: id, WorkflowID: "wf/" + id,
			EnteredAt: t0, Holdout: holdout, Steps: []store.RunStep{{Seq: 1, Node: "ab", Kind: "split", EnteredAt: t0, Variant: variant}},
			Leaves: []store.RunLeave{{Seq: 1, Next: "done"}}}
		if i < conv {
			r.Conversions = []store.RunConversion{{MessageID: id + "-buy", At: t0.Add(time.Hour), Revenue: 10}}
		}
		if err := st.RecordRun(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJourneyExperimentsAPI(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	if _, err := b.store.CreateJourney(context.Background(), "w", "promo", "Promo", json.RawMessage(splitJourney)); err != nil {
		t.Fatal(err)
	}
	reportRuns(t, b.store, "c", "control", false, 1000, 100)
	reportRuns(t, b.store, "a", "a", false, 1000, 105)
	reportRuns(t, b.store, "b", "b", false, 1000, 160)
	reportRuns(t, b.store, "h", "a", true, 500, 20)

	var got experimentsResponse
	status, body := b.do(t, "GET", "/v1/journeys/promo/experiments?mde=0.5", admin, "")
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || len(got.Experiments) != 2 {
		t.Fatalf("%d %s", status, body)
	}
	split, hold := got.Experiments[0].Result, got.Experiments[1].Result
	if got.Experiments[0].Kind != "split" || split.Control.Entered != 1000 || split.Control.Converted != 100 ||
		len(split.Arms) != 2 || split.Arms[1].Name != "b" || split.Arms[1].Converted != 160 {
		t.Fatalf("split = %+v", split)
	}
	// 10% vs 16% on 1,000 each, MDE 50% (686 per arm): b wins, a does not.
	if split.Winner != "b" || split.Arms[0].Significant || !split.Arms[1].Significant {
		t.Errorf("winner %q (%s)", split.Winner, split.Verdict)
	}
	// The holdout: 20/500 against the 3,000 messaged of whom 365 converted:
	// significant, but 4% → 6% needs 1,863 per arm, which the holdout lacks.
	if got.Experiments[1].Kind != "holdout" || hold.Control.Entered != 500 || hold.Control.Converted != 20 ||
		hold.Arms[0].Entered != 3000 || hold.Arms[0].Converted != 365 || !hold.Arms[0].Significant ||
		hold.Winner != "" || *hold.SampleNeeded != 1863 {
		t.Errorf("holdout = %+v", hold)
	}

	t.Run("TheJourneyPageShowsTheSameTables", func(t *testing.T) {
		b.person(t, "w", "ann@example.com", "analyst")
		c := sessionFrom(t, b.login(t, "ann@example.com", testPassword, "/ui/journeys/promo"))
		page := b.uiRequest(t, "GET", "/ui/journeys/promo?mde=0.5", c.Value, nil)
		html := page.Body.String()
		for _, want := range []string{`id="kpi-entered">3,500<`, `data-node="ab" data-entered="3500"`, `data-from="ab" data-to="done" data-count="3500"`,
			`data-kind="holdout"`, `class="n entered">3,000<`, `class="winner">b<`} {
			if !strings.Contains(html, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if page.Code != 200 {
			t.Fatalf("%d %s", page.Code, html)
		}
	})
	t.Run("BadParametersAreNamed", func(t *testing.T) {
		for query, field := range map[string]string{"version=0": "version", "version=x": "version", "mde=0": "mde", "mde=lots": "mde"} {
			status, body := b.do(t, "GET", "/v1/journeys/promo/experiments?"+query, admin, "")
			if status != 400 || !strings.Contains(body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", query, status, body)
			}
		}
		if status, _ := b.do(t, "GET", "/v1/journeys/nope/experiments", admin, ""); status != 404 {
			t.Errorf("unknown journey: %d", status)
		}
	})
}
