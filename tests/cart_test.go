package tests

import (
	"context"
	"flag"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
)

var updateHistory = flag.Bool("update-history", false, "rewrite the histories in workflows/testdata from this run")

// TestCartAbandonment is the foundation's promise, on the real engine: of two
// customers who add to cart, the one who buys within the wait gets nothing
// and the one who doesn't gets exactly one reminder, even though the worker
// is stopped during the wait and a new one takes over.
func TestCartAbandonment(t *testing.T) {
	s := startStack(t)
	w1 := s.startWorker()

	var created map[string]any
	s.call("POST", "/v1/journeys", "admin", cartJourney(t, "3s"), http.StatusCreated, &created)
	if created["status"] != "draft" || created["version"] != float64(1) {
		t.Fatalf("created journey = %v", created)
	}
	s.call("POST", "/v1/journeys/cart_abandonment/activate", "admin", nil, http.StatusOK, nil)

	s.track("u_buyer", "cart_add", "m1")
	s.track("u_forgetful", "cart_add", "m2")
	s.track("u_buyer", "cart_add", "m1") // a retried request: stored once, one run
	s.track("u_buyer", "purchase", "m3")

	// The worker dies during the wait; the timers fire with no worker at all.
	// (It must have begun the wait: a first task in flight when the worker
	// stops is lost until the task times out, and no worker would take it.)
	eventually(t, 20*time.Second, "the forgetful customer's wait to begin", func() bool {
		return s.historyHas(workflowIDOf("u_forgetful"), enums.EVENT_TYPE_TIMER_STARTED)
	})
	w1.Stop()
	eventually(t, 30*time.Second, "the forgetful customer's timer to fire", func() bool {
		return s.timerFired(workflowIDOf("u_forgetful"))
	})
	w2 := s.startWorker()
	defer w2.Stop()

	for _, c := range []string{"u_buyer", "u_forgetful"} {
		eventually(t, 30*time.Second, c+"'s run to complete", func() bool {
			return s.status(workflowIDOf(c)) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
	}
	if got := s.outbox("u_buyer").Messages; len(got) != 0 {
		t.Errorf("the customer who bought got %d messages: %+v", len(got), got)
	}
	msgs := s.outbox("u_forgetful").Messages
	if len(msgs) != 1 {
		t.Fatalf("the forgetful customer got %d messages, want exactly 1: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.CustomerID != "u_forgetful" || m.NodeID != "send_reminder" || m.Channel != "email" || !strings.Contains(m.Body, "tea set") || !strings.Contains(m.Body, "FREESHIP") {
		t.Errorf("reminder = %+v", m)
	}
	var all outboxPage
	s.call("GET", "/v1/outbox", "admin", nil, http.StatusOK, &all)
	if len(all.Messages) != 1 {
		t.Errorf("the outbox holds %d messages, want 1", len(all.Messages))
	}

	t.Run("RunsAreFoundByTheCustomerSearchAttribute", func(t *testing.T) {
		for customer, outcome := range map[string]string{"u_buyer": "purchased", "u_forgetful": "reminded"} {
			var found int
			eventually(t, 20*time.Second, "visibility to list "+customer, func() bool {
				resp, err := s.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
					Query: `TabijiCustomer = "` + customer + `" AND TabijiOutcome = "` + outcome + `"`,
				})
				if err != nil {
					t.Fatalf("list workflows: %v", err)
				}
				found = len(resp.Executions)
				return found == 1
			})
			runs := runsOf(s, customer)
			if len(runs) != 1 || runs[0]["journeyId"] != "cart_abandonment" || runs[0]["status"] != "completed" ||
				runs[0]["outcome"] != outcome || !strings.HasPrefix(runs[0]["webUrl"].(string), "http://ui.test/namespaces/default/workflows/ws_default%2Fjr_cart_abandonment%2F") {
				t.Errorf("API runs of %s = %v", customer, runs)
			}
		}
	})

	if *updateHistory {
		s.writeHistory(workflowIDOf("u_forgetful"), "../workflows/testdata/cart_reminded.json")
		s.writeHistory(workflowIDOf("u_buyer"), "../workflows/testdata/cart_purchased.json")
	}
}

// historyHas reports whether a run's history holds an event of the type.
func (s *stack) historyHas(workflowID string, typ enums.EventType) bool {
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return false
		}
		if ev.GetEventType() == typ {
			return true
		}
	}
	return false
}

// writeHistory saves a run's full history for the workflow replay test.
func (s *stack) writeHistory(workflowID, path string) {
	s.t.Helper()
	var h historypb.History
	iter := s.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	s.writeClearHistory(&h, path)
}
