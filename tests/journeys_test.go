package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/workflows"
)

// welcomeSeries is the welcome series in small: a first email, then a
// branch on whether it was opened within the timeout.
func welcomeSeries(t *testing.T, timeout string) map[string]any {
	t.Helper()
	raw, err := journey.ToJSON([]byte(`
entry: { event: signup }
nodes:
  - { id: welcome_1, kind: send, channel: email, template: { subject: Welcome, body: "Welcome, {{ customer.id }}" }, next: opened }
  - id: opened
    kind: wait_for
    events: [{ event: email_open, match: 'event.properties.node == "welcome_1"', next: tips }]
    timeout: ` + timeout + `
    on_timeout: reminder
  - { id: tips, kind: send, channel: email, template: { body: "Glad you read it: here are three tips" }, next: done }
  - { id: reminder, kind: send, channel: email, template: { body: "In case you missed our welcome" }, next: done }
  - { id: done, kind: exit }`))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"id": "welcome", "name": "Welcome series", "definition": json.RawMessage(raw)}
}

// TestWelcomeSeriesBranchesOnOpen: of two new customers, the one who opens
// the first email (an email_open event sent through the API) gets the tips,
// the other one the reminder.
func TestWelcomeSeriesBranchesOnOpen(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	s.call("POST", "/v1/journeys", "admin", welcomeSeries(t, "4s"), http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/welcome/activate", "admin", nil, http.StatusOK, nil)

	s.track("u_reader", "signup", "s1")
	s.track("u_skimmer", "signup", "s2")
	eventually(t, 20*time.Second, "the first email to the reader", func() bool { return len(s.outbox("u_reader").Messages) == 1 })
	s.trackProps("u_reader", "email_open", "o1", map[string]any{"node": "welcome_1"})

	wid := func(c string) string { return workflows.JourneyWorkflowID("default", "welcome", c) }
	for _, c := range []string{"u_reader", "u_skimmer"} {
		eventually(t, 30*time.Second, c+"'s run to complete", func() bool {
			return s.status(wid(c)) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
	}
	for customer, want := range map[string]string{"u_reader": "three tips", "u_skimmer": "missed our welcome"} {
		msgs := s.outbox(customer).Messages
		var bodies []string
		for _, m := range msgs {
			bodies = append(bodies, m.Body)
		}
		if len(msgs) != 2 || !strings.Contains(strings.Join(bodies, "|"), want) {
			t.Errorf("%s got %+v, want the welcome and %q", customer, msgs, want)
		}
	}
	if st := s.state(wid("u_reader")); strings.Join(st.Path, ",") != "welcome_1,opened,tips,done" {
		t.Errorf("reader's path = %v", st.Path)
	}
	if *updateHistory {
		s.writeHistory(wid("u_reader"), "../workflows/testdata/welcome_opened.json")
		s.writeHistory(wid("u_skimmer"), "../workflows/testdata/welcome_reminded.json")
	}
}

// TestVersionChangeWhileRunsWait: runs waiting on v1 keep v1 when v2 is
// saved; new entrants get v2; migrate moves the waiting run to v2 at the
// node with the same ID.
func TestVersionChangeWhileRunsWait(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	v1 := `{"entry":{"event":"signup"},"nodes":[
		{"id":"pause","kind":"wait","duration":"1h","next":"hello"},
		{"id":"hello","kind":"send","channel":"email","template":{"body":"v1 hello"},"next":"done"},
		{"id":"done","kind":"exit"}]}`
	v2 := `{"entry":{"event":"signup"},"nodes":[
		{"id":"pause","kind":"wait","duration":"2s","next":"hello2"},
		{"id":"hello2","kind":"send","channel":"line","template":{"body":"v2 hello"},"next":"done"},
		{"id":"done","kind":"exit"}]}`
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": "onboard", "name": "Onboarding", "definition": json.RawMessage(v1)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/onboard/activate", "admin", nil, http.StatusOK, nil)
	s.track("u_early", "signup", "e1")
	wid := func(c string) string { return workflows.JourneyWorkflowID("default", "onboard", c) }
	eventually(t, 20*time.Second, "the early run to wait", func() bool { return s.runState(wid("u_early")).Node == "pause" })

	var updated map[string]any
	s.call("PUT", "/v1/journeys/onboard", "admin", map[string]any{"definition": json.RawMessage(v2)}, http.StatusOK, &updated)
	if updated["version"] != float64(2) || updated["activeVersion"] != float64(2) {
		t.Fatalf("updated = %v", updated)
	}
	s.track("u_late", "signup", "l1")
	eventually(t, 30*time.Second, "the late run to complete on v2", func() bool {
		return s.status(wid("u_late")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if msgs := s.outbox("u_late").Messages; len(msgs) != 1 || msgs[0].Body != "v2 hello" || msgs[0].Channel != "line" {
		t.Errorf("late entrant got %+v, want v2's message", msgs)
	}
	if st := s.state(wid("u_early")); st.Version != 1 || st.Node != "pause" || len(s.outbox("u_early").Messages) != 0 {
		t.Fatalf("the early run left v1: %+v", st)
	}
	var versions struct {
		Versions []struct {
			Version int  `json:"version"`
			Active  bool `json:"active"`
		} `json:"versions"`
	}
	s.call("GET", "/v1/journeys/onboard/versions", "admin", nil, http.StatusOK, &versions)
	if len(versions.Versions) != 2 || versions.Versions[0].Version != 2 || !versions.Versions[0].Active {
		t.Errorf("versions = %+v", versions)
	}

	eventually(t, 20*time.Second, "migrate to reach the early run", func() bool {
		var out struct{ Signalled int }
		s.call("POST", "/v1/journeys/onboard/migrate", "admin", map[string]any{"version": 2}, http.StatusOK, &out)
		return out.Signalled == 1
	})
	eventually(t, 30*time.Second, "the migrated run to complete", func() bool {
		return s.status(wid("u_early")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	msgs := s.outbox("u_early").Messages
	if len(msgs) != 1 || msgs[0].Body != "v2 hello" {
		t.Errorf("migrated run sent %+v, want v2's message", msgs)
	}
	if st := s.state(wid("u_early")); st.Version != 2 || strings.Join(st.Path, ",") != "pause,hello2,done" || len(st.Migrations) != 1 {
		t.Errorf("migrated state = %+v", st)
	}
	if *updateHistory {
		s.writeHistory(wid("u_early"), "../workflows/testdata/version_migrated.json")
	}
}

// runState is the state of a run, or the zero State while it has none.
func (s *stack) runState(workflowID string) workflows.State {
	v, err := s.temporal.QueryWorkflow(context.Background(), workflowID, "", workflows.StateQuery)
	if err != nil {
		return workflows.State{}
	}
	var st workflows.State
	_ = v.Get(&st)
	return st
}

// TestContinueAsNewOnTheRealServer: a run past its history limit hands on
// to a new run at the node it waits at, with its path, deadline and seen
// message IDs, and still ends where it should.
func TestContinueAsNewOnTheRealServer(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	d, err := journey.Parse([]byte(`{"entry":{"event":"signup"},"nodes":[
		{"id":"hello","kind":"send","channel":"email","template":{"body":"hi"},"next":"opened"},
		{"id":"opened","kind":"wait_for","events":[{"event":"email_open","next":"done"}],"timeout":"1h","on_timeout":"done"},
		{"id":"done","kind":"exit"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := workflows.EnterJourney(ctx, s.temporal, taskQueue, workflows.JourneyInput{
		WorkspaceID: "default", JourneyID: "can", Version: 1, CustomerID: "u_can", Definition: d, HistoryLimit: 40,
		Entry: journey.Event{MessageID: "entry", Name: "signup"},
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the run to wait for the open", func() bool { return s.runState(run.GetID()).Node == "opened" })
	for i := range 30 {
		if _, err := workflows.SignalEvent(ctx, s.temporal, run.GetID(), journey.Event{MessageID: fmt.Sprintf("v%d", i), Name: "page_view"}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "the run to continue as new", func() bool { return s.runID(run.GetID()) != run.GetRunID() })
	st := s.state(run.GetID())
	if st.Node != "opened" || strings.Join(st.Path, ",") != "hello,opened" || len(s.outbox("u_can").Messages) != 1 {
		t.Fatalf("continued state = %+v", st)
	}
	// A repeat of an event the first run saw is dropped; a new open ends the wait.
	if _, err := workflows.SignalEvent(ctx, s.temporal, run.GetID(), journey.Event{MessageID: "v3", Name: "email_open"}); err != nil {
		t.Fatal(err)
	}
	if _, err := workflows.SignalEvent(ctx, s.temporal, run.GetID(), journey.Event{MessageID: "open", Name: "email_open"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the continued run to complete", func() bool {
		return s.status(run.GetID()) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	st = s.state(run.GetID())
	if st.Outcome != "done" || st.LastEvent == nil || st.LastEvent.MessageID != "open" || len(s.outbox("u_can").Messages) != 1 {
		t.Errorf("final state = %+v", st)
	}
	if *updateHistory {
		s.writeRunHistory(run.GetID(), run.GetRunID(), "../workflows/testdata/continued_as_new.json")
	}
}
