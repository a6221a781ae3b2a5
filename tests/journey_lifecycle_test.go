package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/tabiji/tabiji/workflows"
)

func (s *stack) createActive(id, definition string) {
	s.t.Helper()
	s.call("POST", "/v1/journeys", "admin", map[string]any{"id": id, "name": id, "definition": json.RawMessage(definition)}, http.StatusCreated, nil)
	s.call("POST", "/v1/journeys/"+id+"/activate", "admin", nil, http.StatusOK, nil)
}

func (s *stack) runID(workflowID string) string {
	d, err := s.temporal.DescribeWorkflowExecution(s.t.Context(), workflowID, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

func (s *stack) exists(workflowID string) bool {
	_, err := s.temporal.DescribeWorkflowExecution(s.t.Context(), workflowID, "")
	return err == nil
}

// TestJourneyLifecycleOnTheRealStack: pause holds runs before their next
// send and enters nobody, resume lets them send, archive ends runs cleanly;
// API entry with a correlation key; re-entry once; simulate; the taxonomy
// check at save time.
func TestJourneyLifecycleOnTheRealStack(t *testing.T) {
	s := startStack(t)
	w := s.startWorker()
	defer w.Stop()
	wid := func(j, c string) string { return workflows.JourneyWorkflowID("default", j, c) }

	t.Run("PauseHoldsSendsAndEntriesUntilResume", func(t *testing.T) {
		s.createActive("drip", `{"entry":{"event":"drip_start"},"nodes":[
			{"id":"pause","kind":"wait","duration":"2s","next":"hello"},
			{"id":"hello","kind":"send","channel":"email","template":{"body":"drip"},"next":"done"},
			{"id":"done","kind":"exit"}]}`)
		s.track("u_drip", "drip_start", "d1")
		eventually(t, 20*time.Second, "the run to wait", func() bool { return s.runState(wid("drip", "u_drip")).Node == "pause" })
		var paused struct {
			Status    string
			Signalled int
		}
		eventually(t, 20*time.Second, "pause to reach the run", func() bool {
			s.call("POST", "/v1/journeys/drip/pause", "admin", nil, http.StatusOK, &paused)
			if paused.Signalled == 0 {
				s.call("POST", "/v1/journeys/drip/resume", "admin", nil, http.StatusOK, nil)
			}
			return paused.Signalled == 1
		})
		s.track("u_drip2", "drip_start", "d2")
		eventually(t, 20*time.Second, "the run to hold at the send", func() bool {
			st := s.runState(wid("drip", "u_drip"))
			return st.Node == "hello" && st.Paused
		})
		if n := len(s.outbox("u_drip").Messages); n != 0 || s.exists(wid("drip", "u_drip2")) {
			t.Fatalf("while paused: %d messages; a new customer entered: %v", n, s.exists(wid("drip", "u_drip2")))
		}
		s.call("POST", "/v1/journeys/drip/resume", "admin", nil, http.StatusOK, nil)
		eventually(t, 20*time.Second, "the held send after resume", func() bool { return len(s.outbox("u_drip").Messages) == 1 })
	})

	t.Run("ArchiveEndsWaitingRunsCleanly", func(t *testing.T) {
		s.createActive("longwait", `{"entry":{"event":"lw"},"nodes":[
			{"id":"pause","kind":"wait","duration":"1h","next":"done"},{"id":"done","kind":"exit"}]}`)
		s.track("u_lw", "lw", "lw1")
		eventually(t, 20*time.Second, "the run to wait", func() bool { return s.runState(wid("longwait", "u_lw")).Node == "pause" })
		eventually(t, 20*time.Second, "archive to reach the run", func() bool {
			if s.runState(wid("longwait", "u_lw")).Outcome == workflows.OutcomeArchived {
				return true
			}
			var out struct{ Signalled int }
			s.call("POST", "/v1/journeys/longwait/archive", "admin", nil, http.StatusOK, &out)
			return out.Signalled == 1
		})
		eventually(t, 20*time.Second, "the archived run to complete", func() bool {
			return s.status(wid("longwait", "u_lw")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
		if st := s.state(wid("longwait", "u_lw")); st.Outcome != workflows.OutcomeArchived {
			t.Errorf("outcome = %q", st.Outcome)
		}
		code, _, p := s.raw("POST", "/v1/journeys/longwait/resume", map[string]string{"Authorization": "Bearer " + s.admin}, "")
		if code != http.StatusConflict || problemField(p) != "status" {
			t.Errorf("resuming an archived journey = %d %v", code, p)
		}
	})

	t.Run("APIEntryWithACorrelationKeyMakesOneRunPerKey", func(t *testing.T) {
		s.createActive("orders", `{"entry":{"api":true,"correlation_key":"properties.order_id"},"nodes":[
			{"id":"thanks","kind":"send","channel":"email","template":{"body":"order {{ event.properties.order_id }}"},"next":"pause"},
			{"id":"pause","kind":"wait","duration":"1h","next":"done"},{"id":"done","kind":"exit"}]}`)
		var first, again, other map[string]any
		s.call("POST", "/v1/journeys/orders/enter", "admin", map[string]any{"userId": "u_o", "messageId": "x1", "payload": map[string]any{"order_id": "o_1"}}, http.StatusAccepted, &first)
		s.call("POST", "/v1/journeys/orders/enter", "admin", map[string]any{"userId": "u_o", "messageId": "x2", "payload": map[string]any{"order_id": "o_1"}}, http.StatusAccepted, &again)
		s.call("POST", "/v1/journeys/orders/enter", "admin", map[string]any{"userId": "u_o", "messageId": "x3", "payload": map[string]any{"order_id": "o_2"}}, http.StatusAccepted, &other)
		if first["workflowId"] != "ws_default/jr_orders/u_o/o_1" || again["workflowId"] != first["workflowId"] || other["workflowId"] != "ws_default/jr_orders/u_o/o_2" {
			t.Errorf("runs = %v %v %v", first, again, other)
		}
		eventually(t, 20*time.Second, "one thank-you per order", func() bool { return len(s.outbox("u_o").Messages) == 2 })
		s.createActive("by_event", `{"entry":{"event":"evj"},"nodes":[{"id":"done","kind":"exit"}]}`)
		code, _, p := s.raw("POST", "/v1/journeys/by_event/enter", map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}, `{"userId":"u"}`)
		if code != http.StatusConflict || !strings.Contains(p["detail"].(string), "not by API call") {
			t.Errorf("API entry into an event journey = %d %v", code, p)
		}
		code, _, p = s.raw("POST", "/v1/journeys/orders/enter", map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}, `{"payload":{}}`)
		if code != http.StatusBadRequest || problemField(p) != "userId" {
			t.Errorf("API entry without userId = %d %v", code, p)
		}
		code, _, p = s.raw("POST", "/v1/journeys/orders/enter", map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}, `{"userId":"u_o","payload":{}}`)
		if code != http.StatusBadRequest || problemField(p) != "payload.order_id" {
			t.Errorf("API entry without the correlation key = %d %v", code, p)
		}
	})

	t.Run("ReentryOnceKeepsTheCustomerOut", func(t *testing.T) {
		s.createActive("once", `{"entry":{"event":"promo"},"reentry":{"mode":"once"},"nodes":[
			{"id":"hi","kind":"send","channel":"email","template":{"body":"once"},"next":"done"},{"id":"done","kind":"exit"}]}`)
		s.track("u_once", "promo", "p1")
		eventually(t, 20*time.Second, "the first run to complete", func() bool {
			return s.exists(wid("once", "u_once")) && s.status(wid("once", "u_once")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
		s.track("u_once", "promo", "p2")
		s.track("u_twice", "promo", "p3") // a marker: once this customer is through, p2 was routed long before
		eventually(t, 20*time.Second, "the marker", func() bool { return len(s.outbox("u_twice").Messages) == 1 })
		if n := len(s.outbox("u_once").Messages); n != 1 {
			t.Errorf("a once-only journey sent %d messages to one customer", n)
		}
	})

	t.Run("ReentryAfterACooldown", func(t *testing.T) {
		s.createActive("cool", `{"entry":{"event":"browse"},"reentry":{"mode":"cooldown","cooldown":"3s"},"nodes":[
			{"id":"hi","kind":"send","channel":"email","template":{"body":"cool"},"next":"done"},{"id":"done","kind":"exit"}]}`)
		s.track("u_cool", "browse", "c1")
		eventually(t, 20*time.Second, "the first run to complete", func() bool {
			return s.exists(wid("cool", "u_cool")) && s.status(wid("cool", "u_cool")) == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
		})
		firstRun := s.runID(wid("cool", "u_cool"))
		s.track("u_cool", "browse", "c2") // within the cool-down: kept out (routing is done when track answers)
		if run := s.runID(wid("cool", "u_cool")); run != firstRun {
			t.Fatalf("a run started within the cool-down")
		}
		eventually(t, 20*time.Second, "re-entry after the cool-down", func() bool {
			s.track("u_cool", "browse", "c3_"+time.Now().Format("150405.000"))
			return len(s.outbox("u_cool").Messages) == 2
		})
	})

	t.Run("SimulateShowsThePathAndMessagesAndStoresNothing", func(t *testing.T) {
		s.call("POST", "/v1/journeys", "admin", welcomeSeries(t, "2d"), http.StatusCreated, nil)
		var out struct {
			Entered  bool
			Outcome  string
			Steps    []workflows.Step
			Messages []struct {
				At   time.Time
				Node string
				Body string
			}
		}
		start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		s.call("POST", "/v1/journeys/welcome/simulate", "admin", map[string]any{
			"userId": "u_sim", "start": start,
			"events": []any{map[string]any{"after": "3h", "event": "email_open", "properties": map[string]any{"node": "welcome_1"}}},
		}, http.StatusOK, &out)
		if !out.Entered || out.Outcome != "done" || len(out.Steps) != 4 || len(out.Messages) != 2 ||
			out.Messages[0].Body != "Welcome, u_sim" || out.Messages[1].Node != "tips" || !out.Messages[1].At.Equal(start.Add(3*time.Hour)) {
			t.Errorf("simulation = %+v", out)
		}
		if n := len(s.outbox("u_sim").Messages); n != 0 || s.exists(wid("welcome", "u_sim")) {
			t.Errorf("a simulation stored %d messages or started a run", n)
		}
		code, _, p := s.raw("POST", "/v1/journeys/welcome/simulate", map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}, `{"events":[{"after":"1h"}]}`)
		if code != http.StatusBadRequest || problemField(p) != "events[0].event" {
			t.Errorf("simulate with a nameless event = %d %v", code, p)
		}
	})

	t.Run("TheEntryFilterDecidesWhoEnters", func(t *testing.T) {
		s.createActive("big_carts", `{"entry":{"event":"cart_big","filter":"event.properties.total >= 100 && !(\"staff\" in profile.tags)"},
			"nodes":[{"id":"hi","kind":"send","channel":"email","template":{"body":"big"},"next":"done"},{"id":"done","kind":"exit"}]}`)
		s.trackProps("u_small", "cart_big", "f1", map[string]any{"total": 20})
		s.trackProps("u_big", "cart_big", "f2", map[string]any{"total": 150})
		if s.exists(wid("big_carts", "u_small")) || !s.exists(wid("big_carts", "u_big")) {
			t.Errorf("small cart entered: %v; big cart entered: %v", s.exists(wid("big_carts", "u_small")), s.exists(wid("big_carts", "u_big")))
		}
		var out struct {
			Entered bool
			Reason  string
		}
		s.call("POST", "/v1/journeys/big_carts/simulate", "admin", map[string]any{
			"profile": map[string]any{"tags": []string{"staff"}}, "entry": map[string]any{"properties": map[string]any{"total": 500}},
		}, http.StatusOK, &out)
		if out.Entered || !strings.Contains(out.Reason, "entry filter") {
			t.Errorf("a staff member's simulation = %+v", out)
		}
	})

	t.Run("AJourneyMayBeSentAsYAML", func(t *testing.T) {
		hdr := map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/yaml"}
		code, body, _ := s.raw("POST", "/v1/journeys", hdr, `
id: yaml_journey
name: From YAML
definition:
  entry: { event: signup }
  nodes:
    - { id: hi, kind: send, channel: email, template: { body: "hi" }, next: done }
    - { id: done, kind: exit }
`)
		if code != http.StatusCreated {
			t.Fatalf("YAML create = %d %s", code, body)
		}
		code, _, p := s.raw("PUT", "/v1/journeys/yaml_journey", hdr, "definition:\n  entry: { event: signup }\n  nodes:\n    - { id: done, kind: exit, nxt: x }\n")
		if code != http.StatusUnprocessableEntity || problemField(p) != "definition.nodes[0].nxt" {
			t.Errorf("YAML update with an unknown field = %d %v", code, p)
		}
	})

	t.Run("SavingChecksEventsAgainstTheTaxonomy", func(t *testing.T) {
		hdr := map[string]string{"Authorization": "Bearer " + s.admin, "Content-Type": "application/json"}
		journeyJSON := `{"id":"tx","name":"tx","definition":{"entry":{"event":"signup"},"nodes":[
			{"id":"w","kind":"wait_for","events":[{"event":"email_opn","next":"done"}],"timeout":"1d","on_timeout":"done"},{"id":"done","kind":"exit"}]}}`
		if code, body, _ := s.raw("PUT", "/v1/taxonomy", hdr, `{"unknownEvents":"reject","events":[{"name":"signup"}]}`); code != http.StatusOK {
			t.Fatalf("put taxonomy = %d %s", code, body)
		}
		code, _, p := s.raw("POST", "/v1/journeys", hdr, journeyJSON)
		if code != http.StatusUnprocessableEntity || problemField(p) != "definition.nodes[0].events[0].event" {
			t.Errorf("an unknown event under reject = %d %v", code, p)
		}
		if code, body, _ := s.raw("PUT", "/v1/taxonomy", hdr, `{"unknownEvents":"allow","events":[{"name":"signup"}]}`); code != http.StatusOK {
			t.Fatalf("put taxonomy = %d %s", code, body)
		}
		code, _, p = s.raw("POST", "/v1/journeys", hdr, journeyJSON)
		warnings, _ := p["warnings"].([]any)
		if code != http.StatusCreated || len(warnings) != 1 || warnings[0].(map[string]any)["field"] != "definition.nodes[0].events[0].event" {
			t.Errorf("an unknown event under allow = %d %v", code, p)
		}
	})
}
