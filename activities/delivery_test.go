package activities

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/unsubscribe"
)

// fakeSender answers with its script, one answer per call, and keeps the
// messages it was given.
type fakeSender struct {
	script []error
	result channels.Result
	got    []channels.Message
	dedupe bool // the provider drops repeats by message ID (as LINE)
}

func (f *fakeSender) Deduplicates() bool { return f.dedupe }

func (f *fakeSender) Send(_ context.Context, m channels.Message) (channels.Result, error) {
	f.got = append(f.got, m)
	if len(f.script) > 0 {
		err := f.script[0]
		f.script = f.script[1:]
		if err != nil {
			return f.result, err
		}
	}
	return f.result, nil
}

func providerSetup(t *testing.T, f *fakeSender) *bundle {
	t.Helper()
	return providerSetupWith(t, Options{Senders: map[string]channels.Sender{"email": f},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", EmailFrom: "shop@example.com"})
}

func providerSetupWith(t *testing.T, opts Options) *bundle {
	t.Helper()
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(context.Background(), "default", "Default"); err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(New(st, opts))
	return &bundle{env: env, store: st}
}

func emailInput() SendInput {
	in := sendInput()
	in.Profile = &journey.Profile{ID: "u_1", Email: "u1@example.com"}
	return in
}

func (b *bundle) status(t *testing.T, id string) store.LoggedMessage {
	t.Helper()
	m, _, err := b.store.LoggedMessageByID(context.Background(), "default", id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSendThroughAProvider(t *testing.T) {
	t.Run("SendsOnceAndRecordsTheProviderID", func(t *testing.T) {
		f := &fakeSender{result: channels.Result{ProviderID: "sg_1"}}
		b := providerSetup(t, f)
		res, err := b.send(t, emailInput())
		if err != nil || res.Status != MessageSent || res.ProviderID != "sg_1" {
			t.Fatalf("got %+v, %v", res, err)
		}
		if len(f.got) != 1 || f.got[0].To != "u1@example.com" || f.got[0].ID != emailInput().MessageID ||
			f.got[0].Email.UnsubscribeURL == "" || f.got[0].Email.From != "shop@example.com" {
			t.Fatalf("provider got %+v", f.got)
		}
		again, err := b.send(t, emailInput())
		if err != nil || !again.Duplicate || len(f.got) != 1 {
			t.Fatalf("second send: %+v, %v, %d calls", again, err, len(f.got))
		}
		if m := b.status(t, res.MessageID); m.Status != MessageSent || m.ProviderID != "sg_1" {
			t.Fatalf("row %+v", m)
		}
	})
	t.Run("ARowLeftSendingIsNotSentAgainButSettledUnconfirmed", func(t *testing.T) {
		f := &fakeSender{result: channels.Result{ProviderID: "sg_2"}}
		b := providerSetup(t, f)
		in := emailInput()
		if _, _, err := b.store.RecordMessage(context.Background(), b.row(in)); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, in)
		if err != nil || res.Status != MessageUnconfirmed || len(f.got) != 0 {
			t.Fatalf("got %+v, %v, %d calls; want unconfirmed and no call", res, err, len(f.got))
		}
		if again, err := b.send(t, in); err != nil || again.Status != MessageUnconfirmed || len(f.got) != 0 {
			t.Fatalf("next attempt: %+v, %v, %d calls", again, err, len(f.got))
		}
	})
	t.Run("ARowLeftSendingWaitsForTheWebhookWithinTheWindow", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetupWith(t, Options{Senders: map[string]channels.Sender{"email": f},
			ConfirmWithin: map[string]time.Duration{"email": time.Hour}})
		in := emailInput()
		if _, _, err := b.store.RecordMessage(context.Background(), b.row(in)); err != nil {
			t.Fatal(err)
		}
		_, err := b.send(t, in)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.NonRetryable() || app.Type() != "AwaitingConfirmation" ||
			app.NextRetryDelay() <= 0 || app.NextRetryDelay() > confirmPoll || len(f.got) != 0 {
			t.Fatalf("want a retryable AwaitingConfirmation within %s and no call, got %v, %d calls", confirmPoll, err, len(f.got))
		}
		// SendGrid's processed event names the message: the next attempt finds it.
		if _, _, err := b.store.RecordMessageEvent(context.Background(), store.MessageEvent{WorkspaceID: "default",
			EventID: "sg-1", MessageID: in.MessageID, Status: "processed", ProviderEvent: "processed", ProviderID: "sg.1"}); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, in)
		if err != nil || res.Status != "processed" || !res.Duplicate || res.ProviderID != "sg.1" || len(f.got) != 0 {
			t.Fatalf("after the webhook: %+v, %v, %d calls", res, err, len(f.got))
		}
	})
	t.Run("ARowLeftSendingIsSentAgainByADeduplicatingProvider", func(t *testing.T) {
		f := &fakeSender{result: channels.Result{ProviderID: "line_2", AlreadyAccepted: true}, dedupe: true}
		b := providerSetup(t, f)
		in := emailInput()
		if _, _, err := b.store.RecordMessage(context.Background(), b.row(in)); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, in)
		if err != nil || res.Status != MessageSent || len(f.got) != 1 || f.got[0].ID != in.MessageID {
			t.Fatalf("got %+v, %v, %d calls", res, err, len(f.got))
		}
	})
	t.Run("AnOptOutBetweenAttemptsSkipsAPendingRowButReconcilesASendingOne", func(t *testing.T) {
		f := &fakeSender{script: []error{&channels.TransientError{Status: 503}, context.DeadlineExceeded}}
		b := providerSetup(t, f)
		pending, sending := emailInput(), emailInput()
		sending.MessageID, sending.NodeID = pending.MessageID+"-2", "second"
		for _, in := range []SendInput{pending, sending} {
			if _, err := b.send(t, in); err == nil {
				t.Fatal("want the first attempt to fail")
			}
		}
		if _, err := b.store.SetConsent(context.Background(), store.Consent{WorkspaceID: "default", CustomerID: "u_1",
			Channel: "email", Status: store.OptedOut, Source: "test"}); err != nil {
			t.Fatal(err)
		}
		if res, err := b.send(t, pending); err != nil || res.Status != MessageSkipped || b.status(t, pending.MessageID).Status != MessageSkipped {
			t.Errorf("the released message after the opt-out = %+v, %v; want skipped", res, err)
		}
		if res, err := b.send(t, sending); err != nil || res.Status != MessageUnconfirmed {
			t.Errorf("the unanswered message after the opt-out = %+v, %v; want unconfirmed (it may have gone)", res, err)
		}
		if len(f.got) != 2 {
			t.Errorf("the provider got %d calls, want the 2 first attempts only", len(f.got))
		}
	})
	t.Run("AServerErrorReleasesTheRowForTheNextAttempt", func(t *testing.T) {
		f := &fakeSender{script: []error{&channels.TransientError{Status: 503, Reason: "busy"}}}
		b := providerSetup(t, f)
		if _, err := b.send(t, emailInput()); err == nil {
			t.Fatal("want the 503 to fail the attempt")
		}
		if m := b.status(t, emailInput().MessageID); m.Status != MessagePending {
			t.Fatalf("row after a 503 = %q, want pending", m.Status)
		}
		if res, err := b.send(t, emailInput()); err != nil || res.Status != MessageSent || len(f.got) != 2 {
			t.Fatalf("retry: %+v, %v, %d calls", res, err, len(f.got))
		}
	})
	t.Run("AnUnansweredCallLeavesTheRowSending", func(t *testing.T) {
		f := &fakeSender{script: []error{context.DeadlineExceeded}}
		b := providerSetup(t, f)
		if _, err := b.send(t, emailInput()); err == nil {
			t.Fatal("want the timeout to fail the attempt")
		}
		if m := b.status(t, emailInput().MessageID); m.Status != MessageSending {
			t.Fatalf("row after a timeout = %q, want sending", m.Status)
		}
		if res, err := b.send(t, emailInput()); err != nil || res.Status != MessageUnconfirmed || len(f.got) != 1 {
			t.Fatalf("retry: %+v, %v, %d calls; want unconfirmed, no second call", res, err, len(f.got))
		}
	})
	t.Run("PermanentFailsTheMessageWithoutRetry", func(t *testing.T) {
		f := &fakeSender{script: []error{&channels.PermanentError{Reason: "bad address", Status: 400}}}
		b := providerSetup(t, f)
		_, err := b.send(t, emailInput())
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() {
			t.Fatalf("want a non-retryable error, got %v", err)
		}
		if m := b.status(t, emailInput().MessageID); m.Status != MessageFailed {
			t.Fatalf("row %+v", m)
		}
	})
	t.Run("RateLimitAsksForTheProvidersDelay", func(t *testing.T) {
		f := &fakeSender{script: []error{&channels.RateLimitError{RetryAfter: 7 * time.Second, Status: 429}}}
		b := providerSetup(t, f)
		_, err := b.send(t, emailInput())
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.NonRetryable() || app.NextRetryDelay() != 7*time.Second {
			t.Fatalf("want a retry after 7s, got %v", err)
		}
		if m := b.status(t, emailInput().MessageID); m.Status != MessagePending {
			t.Fatalf("row %+v", m)
		}
	})
	t.Run("OptedOutIsSkippedWithoutACall", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetup(t, f)
		if _, err := b.store.SetConsent(context.Background(), store.Consent{WorkspaceID: "default", CustomerID: "u_1",
			Channel: "email", Status: "opted_out", Source: "test"}); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, emailInput())
		if err != nil || res.Status != MessageSkipped || res.Reason == "" || len(f.got) != 0 {
			t.Fatalf("got %+v, %v, %d calls", res, err, len(f.got))
		}
	})
	t.Run("SuppressedIsSkippedWithoutACall", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetup(t, f)
		if err := b.store.Suppress(context.Background(), store.Suppression{WorkspaceID: "default", Channel: "email",
			Address: "u1@example.com", Reason: store.SuppressHardBounce}); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, emailInput())
		if err != nil || res.Status != MessageSkipped || len(f.got) != 0 {
			t.Fatalf("got %+v, %v, %d calls", res, err, len(f.got))
		}
	})
	t.Run("AnUnknownStoredTemplateIsNotRetried", func(t *testing.T) {
		f := &fakeSender{}
		b := providerSetup(t, f)
		in := emailInput()
		in.Template = journey.Template{Name: "no_such_template"}
		_, err := b.send(t, in)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() || len(f.got) != 0 {
			t.Fatalf("want a non-retryable error and no call, got %v, %d calls", err, len(f.got))
		}
	})
	t.Run("AnInvalidPushTokenIsSuppressed", func(t *testing.T) {
		f := &fakeSender{script: []error{&channels.PermanentError{Reason: "unregistered", Status: 404}},
			result: channels.Result{RemoveAddress: true}}
		b := providerSetup(t, f)
		a := New(b.store, Options{Senders: map[string]channels.Sender{"push": f}})
		b.env.RegisterActivity(a)
		in := sendInput()
		in.Channel, in.Profile = "push", &journey.Profile{ID: "u_1", PushTokens: []string{"tok_1"}}
		_, _ = b.env.ExecuteActivity(a.Send, in)
		if _, err := b.store.Suppressed(context.Background(), "default", "push", "tok_1"); err != nil {
			t.Fatalf("token not suppressed: %v", err)
		}
		if res, err := b.send(t, in); err != nil || res.Status != MessageFailed || len(f.got) != 1 {
			t.Fatalf("a retry = %+v, %v, %d calls; want the failed row, no second call", res, err, len(f.got))
		}
	})
}

// row is the message row an attempt that crashed after the provider call left.
func (b *bundle) row(in SendInput) store.Message {
	return store.Message{ID: in.MessageID, WorkspaceID: in.WorkspaceID, CustomerID: in.CustomerID,
		JourneyID: in.JourneyID, WorkflowID: in.WorkflowID, RunID: in.RunID, NodeID: in.NodeID,
		Channel: in.Channel, Status: MessageSending}
}

func TestOutboxSendsAStoredTemplate(t *testing.T) {
	b := setup(t)
	if _, err := b.store.CreateMessageTemplate(context.Background(), "default", "cart-reminder", "email", "Cart reminder",
		[]byte(`{"subject":"Hi {{ customer.id }}","html":"<p>Your {{ event.properties.product }}</p>","from":"shop@example.com"}`)); err != nil {
		t.Fatal(err)
	}
	in := sendInput()
	in.Template = journey.Template{Name: "cart-reminder"}
	res, err := b.send(t, in)
	if err != nil || res.Status != MessageRecorded {
		t.Fatalf("got %+v, %v", res, err)
	}
	if m := b.status(t, in.MessageID); m.Subject != "Hi u_1" || m.Body != "<p>Your tea set</p>" {
		t.Fatalf("row %q / %q", m.Subject, m.Body)
	}
}

// TestFrequencyCapsHoldBackMessages: with a cap of one email a day, the
// second marketing email of the day is skipped with the cap as its reason,
// a transactional one still goes out, and a retry of the first is not
// counted against itself.
func TestFrequencyCapsHoldBackMessages(t *testing.T) {
	f := &fakeSender{}
	b := providerSetup(t, f)
	if err := b.store.PutFrequencyCaps(context.Background(), "default", json.RawMessage(`{"email":[{"max":1,"window":"1d"}]}`)); err != nil {
		t.Fatal(err)
	}
	first := emailInput()
	if res, err := b.send(t, first); err != nil || res.Status != "sent" {
		t.Fatalf("first email = %+v, %v", res, err)
	}
	if res, err := b.send(t, first); err != nil || !res.Duplicate {
		t.Errorf("a retry of the first email = %+v, %v; want the duplicate, not a cap", res, err)
	}
	second := emailInput()
	second.MessageID, second.NodeID = first.MessageID+"-2", "second"
	res, err := b.send(t, second)
	if err != nil || res.Status != "skipped" || !strings.Contains(res.Reason, "cap") {
		t.Errorf("second email of the day = %+v, %v; want skipped by the cap", res, err)
	}
	receipt := emailInput()
	receipt.MessageID, receipt.NodeID, receipt.Transactional = first.MessageID+"-receipt", "receipt", true
	if res, err := b.send(t, receipt); err != nil || res.Status != "sent" {
		t.Errorf("transactional email = %+v, %v; want sent past the cap", res, err)
	}
	if len(f.got) != 2 {
		t.Errorf("the provider got %d emails, want 2 (the first and the receipt)", len(f.got))
	}
}

// TestConsentTopics: an opt-out of a topic holds back that topic's messages
// only; an opt-out of the whole channel holds back every topic; a stored
// template's topic applies when the send names none; the unsubscribe link
// and the provider see the topic.
func TestConsentTopics(t *testing.T) {
	ctx := context.Background()
	f := &fakeSender{}
	b := providerSetup(t, f)
	optOut := func(topic string) {
		t.Helper()
		if _, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: "default", CustomerID: "u_1",
			Channel: "email", Topic: topic, Status: store.OptedOut, Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	send := func(id, topic, template string) SendResult {
		t.Helper()
		in := emailInput()
		in.MessageID, in.NodeID, in.Topic = in.MessageID+"-"+id, id, topic
		if template != "" {
			in.Template = journey.Template{Name: template}
		}
		res, err := b.send(t, in)
		if err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
		return res
	}
	if _, err := b.store.CreateMessageTemplate(ctx, "default", "sale", "email", "Sale",
		[]byte(`{"subject":"Sale","html":"<p>20% off</p>","from":"shop@example.com","topic":"promotions"}`)); err != nil {
		t.Fatal(err)
	}
	optOut("promotions")
	if res := send("promo", "promotions", ""); res.Status != MessageSkipped || res.Reason != "opted out of promotions on email" {
		t.Errorf("promotions after its opt-out = %+v", res)
	}
	if res := send("stored", "", "sale"); res.Status != MessageSkipped {
		t.Errorf("the stored promotions template after the opt-out = %+v", res)
	}
	if res := send("news", "news", ""); res.Status != MessageSent {
		t.Errorf("news after a promotions opt-out = %+v", res)
	}
	if len(f.got) != 1 || f.got[0].Topic != "news" || !strings.Contains(f.got[0].Email.UnsubscribeURL, "https://tabiji.test/") {
		t.Fatalf("provider got %+v", f.got)
	}
	tok, err := unsubscribe.Parse("s3cret", f.got[0].Email.UnsubscribeURL[strings.LastIndex(f.got[0].Email.UnsubscribeURL, "/")+1:])
	if err != nil || tok.Topic != "news" {
		t.Errorf("the unsubscribe link's token = %+v, %v; want topic news", tok, err)
	}
	optOut("")
	if res := send("news2", "news", ""); res.Status != MessageSkipped || res.Reason != "opted out of email" {
		t.Errorf("news after a channel opt-out = %+v", res)
	}
}
