package tests

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/journeytemplates"
	"github.com/tabiji/tabiji/workflows"
)

// templatePath is the typical path of one template's run: the parameters
// it is launched with, the wait_for nodes that an event ends (each gets the
// event once the run waits there; every other wait and timeout is cut to a
// second, which changes no count), the sends and the exit it ends at.
type templatePath struct {
	name   string
	params map[string]any
	events []templateEvent
	sends  int
	exit   string
}

type templateEvent struct {
	node string // the wait_for node the run waits at
	name string
	prop map[string]any
}

// templatePaths are the typical paths: most carts are not recovered and
// most recommendations not bought; a confirmation is confirmed, a hot lead
// contacted in time, a welcome email opened.
var templatePaths = []templatePath{
	{name: "birthday", sends: 1, exit: "done"},
	{name: "cart-abandonment", sends: 1, exit: "not_converted"},
	{name: "cross-sell", params: map[string]any{"recommendation_url": "https://shop.example/beans"}, sends: 1, exit: "not_converted"},
	{name: "dormant-reengagement", sends: 2, exit: "done"},
	{name: "double-opt-in", events: []templateEvent{{node: "wait_for_confirmation", name: "opt_in_confirmed"}}, sends: 1, exit: "confirmed"},
	{name: "lead-score", events: []templateEvent{{node: "wait_contacted", name: "lead_contacted"}}, sends: 1, exit: "contacted"},
	{name: "line-greeting", sends: 2, exit: "not_converted"},
	{name: "post-purchase", params: map[string]any{"guide_url": "https://shop.example/guide", "review_url": "https://shop.example/review"},
		sends: 4, exit: "done"},
	{name: "vip-early-access", params: map[string]any{"early_access_url": "https://shop.example/early"}, sends: 2, exit: "reminded"},
	{name: "welcome", events: []templateEvent{{node: "wait_for_open", name: "email_opened"}}, sends: 3, exit: "engaged"},
}

// templateActionBudget is the most Temporal Cloud actions one run of each
// template's typical path may take (BENCHMARKS.md, "Temporal actions per
// template"): a change that adds an action to every run fails here.
var templateActionBudget = map[string]int{
	"birthday":             7,
	"cart-abandonment":     11,
	"cross-sell":           10,
	"dormant-reengagement": 9,
	"double-opt-in":        8,
	"lead-score":           12,
	"line-greeting":        12,
	"post-purchase":        22,
	"vip-early-access":     9,
	"welcome":              18,
}

// TestTemplateActions runs every template of the library through its
// typical path on the real stack, one customer each, and counts the
// Temporal Cloud actions of the run's history (billable): none may rise
// above its budget.
func TestTemplateActions(t *testing.T) {
	s := startStack(t)
	w := s.startWorkerAllowing("127.0.0.1") // the sales team's webhook is a local server
	defer w.Stop()
	sales := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer sales.Close()
	for _, seg := range []string{"dormant_21d", "vip_6m"} { // the segments the segment-entered templates name by default
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": seg, "name": seg, "definition": map[string]any{
			"condition": map[string]any{"trait": map[string]any{"name": "tier", "op": "eq", "value": seg}}}}, http.StatusCreated, nil)
	}
	if len(templatePaths) != len(journeytemplates.List()) {
		t.Fatalf("%d typical paths for %d templates: give each template its path", len(templatePaths), len(journeytemplates.List()))
	}
	for i, p := range templatePaths {
		t.Run(p.name, func(t *testing.T) {
			if p.name == "lead-score" {
				p.params = map[string]any{"sales_webhook_url": sales.URL}
			}
			d := templateDefinition(t, p)
			jid, customer := "tpl_"+p.name, "tpl_customer_"+p.name
			s.call("POST", "/v1/journeys", "admin", map[string]any{"id": jid, "name": p.name, "definition": d}, http.StatusCreated, nil)
			s.call("POST", "/v1/journeys/"+jid+"/activate", "admin", nil, http.StatusOK, nil)
			s.call("POST", "/v1/identify", "write", map[string]any{"userId": customer, "messageId": "tpl-id-" + p.name,
				"traits": map[string]any{"email": customer + "@example.com", "lineUserId": lineUser(300 + i)}}, http.StatusOK, nil)
			id := workflows.RunWorkflowID("default", jid, customer, "")
			if _, err := workflows.EnterJourney(context.Background(), s.temporal, taskQueue, workflows.JourneyInput{
				WorkspaceID: "default", JourneyID: jid, Version: 1, CustomerID: customer, Definition: d,
				Entry: journey.Event{MessageID: "tpl-entry-" + p.name, Name: d.Entry.Event, Timestamp: time.Now(), Properties: entryProperties(d)},
			}); err != nil {
				t.Fatal(err)
			}
			for _, ev := range p.events {
				s.waitAtStep(t, id, ev.node)
				if ok, err := workflows.SignalEvent(context.Background(), s.temporal, id, journey.Event{
					MessageID: "tpl-" + ev.name + "-" + p.name, Name: ev.name, Timestamp: time.Now(), Properties: ev.prop}); err != nil || !ok {
					t.Fatalf("signal %s: %v (run found: %v)", ev.name, err, ok)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := s.temporal.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
				t.Fatalf("run %s: %v", id, err)
			}
			s.checkPath(t, p, customer)
			got := billableActions(t, s.temporal, id)
			t.Logf("%s: %v", p.name, got)
			switch most, ok := templateActionBudget[p.name]; {
			case !ok || got.total() > most:
				t.Errorf("%s: %d actions a run, budget %d (%v)", p.name, got.total(), most, got)
			case got.total() < most:
				t.Logf("%s: %d actions, under its budget of %d: lower the budget (and BENCHMARKS.md) to keep the gain", p.name, got.total(), most)
			}
		})
	}
}

// templateDefinition renders the template with p's parameters and cuts
// every wait and timeout to a second, except the waits p's events end.
func templateDefinition(t *testing.T, p templatePath) journey.Definition {
	t.Helper()
	d, err := journeytemplates.Render(p.name, p.params)
	if err != nil {
		t.Fatal(err)
	}
	byEvent := map[string]bool{}
	for _, ev := range p.events {
		byEvent[ev.node] = true
	}
	for i := range d.Nodes {
		n := &d.Nodes[i]
		switch {
		case n.Kind == journey.KindWait:
			n.Duration = journey.Duration(time.Second)
		case n.Kind == journey.KindWaitFor && byEvent[n.ID]:
			n.Timeout = journey.Duration(10 * time.Minute)
		case n.Kind == journey.KindWaitFor:
			n.Timeout = journey.Duration(time.Second)
		}
	}
	return d
}

// entryProperties are what the trigger's event carries: the segment of a
// segment_entered, the trigger of a date_reached, the category of the
// cross-sell's purchase, the lead's score.
func entryProperties(d journey.Definition) map[string]any {
	switch {
	case d.Entry.Segment != "":
		return map[string]any{"segment": d.Entry.Segment}
	case d.Entry.Date != nil:
		return map[string]any{"trigger": d.Entry.Date.Key()}
	}
	return map[string]any{"category": "coffee makers", "score": 95, "product": "tea set"}
}

// waitAtStep waits until the run's TabijiStep is node (read from the
// run's search attributes, not by a query, which would be an action).
func (s *stack) waitAtStep(t *testing.T, id, node string) {
	t.Helper()
	eventually(t, time.Minute, id+" at "+node, func() bool {
		d, err := s.temporal.DescribeWorkflowExecution(context.Background(), id, "")
		if err != nil {
			return false
		}
		var step string
		p := d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.AttrStep.GetName()]
		return p != nil && converter.GetDefaultDataConverter().FromPayload(p, &step) == nil && step == node
	})
}

// checkPath: the run took the typical path: its sends and its exit.
func (s *stack) checkPath(t *testing.T, p templatePath, customer string) {
	t.Helper()
	sent := 0
	for _, m := range s.messagesOf(customer) {
		if m.Status != "skipped" {
			sent++
		}
	}
	if sent != p.sends {
		t.Errorf("%s: %d messages sent, want %d", p.name, sent, p.sends)
	}
	eventually(t, 30*time.Second, p.name+"'s run report", func() bool {
		runs := runsOf(s, customer)
		return len(runs) == 1 && runs[0]["outcome"] == p.exit
	})
}
