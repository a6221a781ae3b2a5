package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/journey"
)

// bundle is one workflow test environment with the journey registered.
type bundle struct {
	env      *testsuite.TestWorkflowEnvironment
	sends    []activities.SendInput
	sentAt   []time.Time
	profile  journey.Profile // what LoadProfile answers
	loads    int
	changes  []activities.ChangeProfileInput
	webhooks []activities.WebhookInput
	reports  []activities.RecordRunInput // what RecordRun was sent
}

func setup(t *testing.T) *bundle {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
	b := &bundle{env: s.NewTestWorkflowEnvironment()}
	// On a busy machine (CI's two cores run test packages side by side) the
	// default 1 s deadlock check takes a slow scheduler for a stuck workflow.
	b.env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	b.env.RegisterWorkflow(Journey)
	b.env.RegisterActivity(&activities.Activities{})
	b.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: JourneyWorkflowID("default", "cart_abandonment", "u_1")})
	b.profile = journey.Profile{ID: "u_1"}
	b.env.OnActivity("LoadProfile", mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.ProfileInput) (activities.ProfileResult, error) {
			b.loads++
			return activities.ProfileResult{Profile: b.profile, Found: true}, nil
		}).Maybe()
	b.env.OnActivity("RecordRun", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecordRunInput) (activities.RecordRunResult, error) {
			b.reports = append(b.reports, in)
			return activities.RecordRunResult{}, nil
		}).Maybe()
	return b
}

// sendSucceeds records every send and answers as the outbox would.
func (b *bundle) sendSucceeds() {
	var a *activities.Activities
	b.env.OnActivity(a.Send, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SendInput) (activities.SendResult, error) {
			b.sends = append(b.sends, in)
			b.sentAt = append(b.sentAt, b.env.Now())
			return activities.SendResult{MessageID: in.MessageID, Status: activities.MessageRecorded}, nil
		})
}

func cartDefinition(t *testing.T) journey.Definition {
	t.Helper()
	raw, err := os.ReadFile("../journey/examples/cart_abandonment.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Definition json.RawMessage }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	d, err := journey.Parse(doc.Definition)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func input(d journey.Definition) JourneyInput {
	return JourneyInput{
		WorkspaceID: "default", JourneyID: "cart_abandonment", Version: 1, CustomerID: "u_1", Definition: d,
		Entry: journey.Event{MessageID: "m_entry", Name: "cart_add", Properties: map[string]any{"product": "tea set"}},
	}
}

func (b *bundle) result(t *testing.T) JourneyResult {
	t.Helper()
	if !b.env.IsWorkflowCompleted() {
		t.Fatal("the run did not complete")
	}
	if err := b.env.GetWorkflowError(); err != nil {
		t.Fatalf("the run failed: %v", err)
	}
	var res JourneyResult
	if err := b.env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func (b *bundle) state(t *testing.T) State {
	t.Helper()
	v, err := b.env.QueryWorkflow(StateQuery)
	if err != nil {
		t.Fatalf("state query: %v", err)
	}
	var st State
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCartAbandonment(t *testing.T) {
	t.Run("SendsOneReminderWhenNoPurchaseArrives", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		start := b.env.Now()
		b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
		res := b.result(t)
		if res.Outcome != "reminded" {
			t.Errorf("outcome = %q, want reminded (path %v)", res.Outcome, res.Path)
		}
		if len(b.sends) != 1 {
			t.Fatalf("sent %d messages, want exactly 1", len(b.sends))
		}
		got := b.sends[0]
		if got.CustomerID != "u_1" || got.Channel != "email" || got.NodeID != "send_reminder" || got.Entry.Properties["product"] != "tea set" {
			t.Errorf("send input = %+v", got)
		}
		if !strings.Contains(got.MessageID, "ws_default/jr_cart_abandonment/u_1/") || !strings.HasSuffix(got.MessageID, "/send_reminder/1") {
			t.Errorf("message ID %q is not derived from the run and step", got.MessageID)
		}
		if waited := b.sentAt[0].Sub(start); waited < 30*time.Minute {
			t.Errorf("reminder sent after %v, want after the 30 minute wait", waited)
		}
	})

	t.Run("SendsNothingWhenThePurchaseArrivesDuringTheWait", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.env.RegisterDelayedCallback(func() {
			b.env.SignalWorkflow(EventSignal, journey.Event{MessageID: "m_buy", Name: "purchase"})
		}, 10*time.Minute)
		b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
		res := b.result(t)
		if res.Outcome != "purchased" {
			t.Errorf("outcome = %q, want purchased", res.Outcome)
		}
		if len(b.sends) != 0 {
			t.Errorf("sent %d messages to a customer who bought", len(b.sends))
		}
	})

	t.Run("IgnoresOtherEventsAndDuplicates", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		b.env.RegisterDelayedCallback(func() {
			// The entry event again (a retried request) and an unrelated event: neither ends the wait.
			b.env.SignalWorkflow(EventSignal, journey.Event{MessageID: "m_entry", Name: "purchase"})
			b.env.SignalWorkflow(EventSignal, journey.Event{MessageID: "m_view", Name: "page_view"})
		}, time.Minute)
		b.env.RegisterDelayedCallback(func() {
			st := b.state(t)
			if st.LastEvent == nil || st.LastEvent.MessageID != "m_view" {
				t.Errorf("last event = %+v, want m_view", st.LastEvent)
			}
		}, 2*time.Minute)
		b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
		if res := b.result(t); res.Outcome != "reminded" || len(b.sends) != 1 {
			t.Errorf("outcome %q with %d sends; a duplicate message ID must not count as a purchase", res.Outcome, len(b.sends))
		}
	})
}

func TestStateQueryShowsWhereTheCustomerStands(t *testing.T) {
	b := setup(t)
	b.sendSucceeds()
	start := b.env.Now()
	b.env.RegisterDelayedCallback(func() {
		st := b.state(t)
		if st.Status != StatusRunning || st.Node != "wait_for_purchase" || st.Kind != journey.KindWaitFor {
			t.Errorf("state during the wait = %+v", st)
		}
		if len(st.WaitingFor) != 1 || st.WaitingFor[0] != "purchase" {
			t.Errorf("waitingFor = %v", st.WaitingFor)
		}
		if st.WaitingUntil == nil || !st.WaitingUntil.Equal(start.Add(30*time.Minute)) {
			t.Errorf("waitingUntil = %v, want %v", st.WaitingUntil, start.Add(30*time.Minute))
		}
		if st.Entry.MessageID != "m_entry" || st.CustomerID != "u_1" || st.Version != 1 {
			t.Errorf("state identity = %+v", st)
		}
	}, 5*time.Minute)
	b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
	b.result(t)
	st := b.state(t)
	if st.Status != StatusCompleted || st.Outcome != "reminded" {
		t.Errorf("final state = %+v", st)
	}
	var nodes []string
	for _, s := range st.Steps {
		nodes = append(nodes, s.Node+"="+s.Outcome)
	}
	if got := strings.Join(nodes, ","); !strings.HasPrefix(got, "wait_for_purchase=timeout,send_reminder=sent ") || !strings.HasSuffix(got, ",reminded=exit") {
		t.Errorf("steps = %s", got)
	}
}

func TestWaitNode(t *testing.T) {
	raw := `{"entry":{"event":"signup"},"nodes":[
		{"id":"pause","kind":"wait","duration":"5d","next":"hello"},
		{"id":"hello","kind":"send","channel":"email","template":{"body":"Welcome {{ customer.id }}"},"next":"done"},
		{"id":"done","kind":"exit"}]}`
	d, err := journey.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("WaitsTheFullDurationWhateverEventsArrive", func(t *testing.T) {
		b := setup(t)
		b.sendSucceeds()
		start := b.env.Now()
		b.env.RegisterDelayedCallback(func() {
			b.env.SignalWorkflow(EventSignal, journey.Event{MessageID: "m2", Name: "signup"})
		}, 24*time.Hour)
		in := input(d)
		in.Entry.Name = "signup"
		b.env.ExecuteWorkflow(Journey, in)
		if res := b.result(t); res.Outcome != "done" || strings.Join(res.Path, ",") != "pause,hello,done" {
			t.Errorf("result = %+v", res)
		}
		if len(b.sends) != 1 {
			t.Fatalf("sent %d", len(b.sends))
		}
		if sentAfter := b.sentAt[0].Sub(start); sentAfter < 5*24*time.Hour {
			t.Errorf("sent after %v, want after 5 days", sentAfter)
		}
	})
}

func TestSendFailureIsRecordedAndTheRunGoesOn(t *testing.T) {
	b := setup(t)
	var a *activities.Activities
	b.env.OnActivity(a.Send, mock.Anything, mock.Anything).Return(activities.SendResult{},
		temporal.NewNonRetryableApplicationError("bad template", "TemplateError", nil))
	b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
	if res := b.result(t); res.Outcome != "reminded" {
		t.Errorf("outcome = %q", res.Outcome)
	}
	st := b.state(t)
	if o := st.Steps[1].Outcome; !strings.HasPrefix(o, "failed: ") || !strings.Contains(o, "bad template") {
		t.Errorf("send step outcome = %q", o)
	}
}

func TestSearchAttributesFollowTheRun(t *testing.T) {
	b := setup(t)
	b.sendSucceeds()
	var steps []string
	var outcome string
	b.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(AttrStep); ok {
			steps = append(steps, v)
		}
		if v, ok := sa.GetKeyword(AttrOutcome); ok {
			outcome = v
		}
	}).Return()
	b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
	b.result(t)
	if got := strings.Join(steps, ","); got != "wait_for_purchase,send_reminder,reminded" {
		t.Errorf("TabijiStep went %s", got)
	}
	if outcome != "reminded" {
		t.Errorf("TabijiOutcome = %q", outcome)
	}
}

func TestCancelledRunEndsCleanly(t *testing.T) {
	b := setup(t)
	b.sendSucceeds()
	b.env.RegisterDelayedCallback(func() { b.env.CancelWorkflow() }, time.Minute)
	b.env.ExecuteWorkflow(Journey, input(cartDefinition(t)))
	var canceled *temporal.CanceledError
	if err := b.env.GetWorkflowError(); !errors.As(err, &canceled) {
		t.Errorf("a cancelled run ended with %v, want Canceled", err)
	}
	if st := b.state(t); st.Status != StatusCompleted || st.Outcome != OutcomeCancelled {
		t.Errorf("state of a cancelled run = %+v", st)
	}
	if len(b.sends) != 0 {
		t.Errorf("a cancelled run sent %d messages", len(b.sends))
	}
}

func TestJourneyWorkflowIDIsReadableAndStable(t *testing.T) {
	if id := JourneyWorkflowID("default", "cart", "u_1"); id != "ws_default/jr_cart/u_1" {
		t.Errorf("id = %q", id)
	}
}
