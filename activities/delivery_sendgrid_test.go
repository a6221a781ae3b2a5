package activities

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/pgtest"
)

// sendgridSetup is Send over the real SendGrid sender (the SDK) and the
// spec-checking fake SendGrid.
func sendgridSetup(t *testing.T) (*bundle, *providertest.Server) {
	t.Helper()
	fake := providertest.NewSendGrid(t)
	sender, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(context.Background(), "default", "Default"); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(New(st, Options{Senders: map[string]channels.Sender{"email": sender},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", EmailFrom: "shop@example.com"}))
	return &bundle{env: env, store: st}, fake
}

func accepted(fake *providertest.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Status == http.StatusAccepted {
			n++
		}
	}
	return n
}

func TestSendThroughSendGrid(t *testing.T) {
	t.Run("CarriesTheMessageIDInCustomArgs", func(t *testing.T) {
		b, fake := sendgridSetup(t)
		res, err := b.send(t, emailInput())
		if err != nil || res.Status != MessageSent {
			t.Fatalf("got %+v, %v (invalid: %v)", res, err, fake.Invalid())
		}
		var body struct {
			Personalizations []struct {
				CustomArgs map[string]string `json:"custom_args"`
			} `json:"personalizations"`
		}
		reqs := fake.Requests()
		reqs[len(reqs)-1].JSON(t, &body)
		if len(body.Personalizations) != 1 || body.Personalizations[0].CustomArgs["message_id"] != res.MessageID {
			t.Fatalf("personalizations = %+v", body.Personalizations)
		}
	})
	t.Run("A500ThenSuccessDeliversOnce", func(t *testing.T) {
		b, fake := sendgridSetup(t)
		fake.FailNext(http.StatusInternalServerError, nil, 1)
		if _, err := b.send(t, emailInput()); err == nil {
			t.Fatal("want the 500 to fail the attempt")
		}
		for range 2 { // Temporal's retry, then a replayed attempt
			if res, err := b.send(t, emailInput()); err != nil || res.Status != MessageSent {
				t.Fatalf("retry: %+v, %v", res, err)
			}
		}
		if n := accepted(fake); n != 1 {
			t.Fatalf("SendGrid accepted %d messages, want 1", n)
		}
	})
	t.Run("A400FailsTheMessageForGood", func(t *testing.T) {
		b, fake := sendgridSetup(t)
		fake.FailNext(http.StatusBadRequest, nil, 1)
		_, err := b.send(t, emailInput())
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() {
			t.Fatalf("want a non-retryable error, got %v", err)
		}
		if m := b.status(t, emailInput().MessageID); m.Status != MessageFailed {
			t.Fatalf("row %+v", m)
		}
	})
	t.Run("A429HonoursRetryAfter", func(t *testing.T) {
		b, fake := sendgridSetup(t)
		fake.FailNext(http.StatusTooManyRequests, map[string]string{"Retry-After": "9"}, 1)
		_, err := b.send(t, emailInput())
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.NonRetryable() || app.NextRetryDelay() != 9*time.Second {
			t.Fatalf("want a retry after 9s, got %v", err)
		}
	})
}
