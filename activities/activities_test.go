package activities

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type bundle struct {
	env   *testsuite.TestActivityEnvironment
	store *store.Store
	mark  time.Time // date trigger tests: events stored before it are old
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(context.Background(), "default", "Default"); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(New(st))
	return &bundle{env: env, store: st}
}

func sendInput() SendInput {
	return SendInput{
		MessageID: "ws_default/jr_cart/u_1/run1/send_reminder/1", WorkspaceID: "default", JourneyID: "cart", Version: 2,
		CustomerID: "u_1", WorkflowID: "ws_default/jr_cart/u_1", RunID: "run1", NodeID: "send_reminder", Channel: "email",
		Template: journey.Template{
			Subject: "{{ customer.id }}, your {{ event.properties.product }}",
			Body:    "Journey {{ journey.id }} v{{ journey.version }}, message {{ message.id }}: {{ event.properties.product | upcase }}",
		},
		Entry: journey.Event{MessageID: "m1", Name: "cart_add", Properties: map[string]any{"product": "tea set"}},
	}
}

func (b *bundle) send(t *testing.T, in SendInput) (SendResult, error) {
	t.Helper()
	var a *Activities
	v, err := b.env.ExecuteActivity(a.Send, in)
	if err != nil {
		return SendResult{}, err
	}
	var res SendResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	return res, nil
}

func TestSend(t *testing.T) {
	t.Run("RendersAndRecordsTheMessageInTheOutbox", func(t *testing.T) {
		b := setup(t)
		res, err := b.send(t, sendInput())
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate || res.Status != MessageRecorded {
			t.Errorf("result = %+v", res)
		}
		msgs, _, err := b.store.ListMessages(context.Background(), "default", store.MessageFilter{CustomerID: "u_1"})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("outbox = %v, %v", msgs, err)
		}
		m := msgs[0]
		if m.Subject != "u_1, your tea set" || m.Body != "Journey cart v2, message ws_default/jr_cart/u_1/run1/send_reminder/1: TEA SET" {
			t.Errorf("rendered %q / %q", m.Subject, m.Body)
		}
		if m.Channel != "email" || m.JourneyVersion != 2 || m.NodeID != "send_reminder" || m.RunID != "run1" {
			t.Errorf("message = %+v", m)
		}
	})

	t.Run("ARetryNeverRecordsASecondMessage", func(t *testing.T) {
		b := setup(t)
		if _, err := b.send(t, sendInput()); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, sendInput())
		if err != nil {
			t.Fatal(err)
		}
		if !res.Duplicate {
			t.Errorf("the second attempt was not recognised as a duplicate")
		}
		msgs, _, _ := b.store.ListMessages(context.Background(), "default", store.MessageFilter{})
		if len(msgs) != 1 {
			t.Errorf("the outbox holds %d messages after a retry, want 1", len(msgs))
		}
	})

	t.Run("ATemplateThatCannotRenderIsNotRetried", func(t *testing.T) {
		b := setup(t)
		in := sendInput()
		in.Template.Body = "{{ event.properties.product | no_such_filter }}"
		_, err := b.send(t, in)
		var appErr *temporal.ApplicationError
		if err == nil || !strings.Contains(err.Error(), "no_such_filter") {
			t.Fatalf("err = %v", err)
		}
		if !errors.As(err, &appErr) || !appErr.NonRetryable() {
			t.Errorf("a template error must be non-retryable: %v", err)
		}
	})
}
