package activities

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/twilio"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/store"
)

// twilioSetup is Send over the real Twilio sender (twilio-go) and the
// spec-checking fake Twilio, with a customer whose phone is a Japanese
// number as a Japanese form holds it.
func twilioSetup(t *testing.T) (*bundle, *providertest.Twilio) {
	t.Helper()
	fake := providertest.NewTwilio(t)
	sender, err := twilio.NewSender(twilio.Config{AccountSID: fake.AccountSID, AuthToken: fake.AuthToken,
		From: "+815012345678", BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	b := providerSetupWith(t, Options{Senders: map[string]channels.Sender{"sms": sender}, PublicURL: "https://tabiji.test/"})
	if _, err := b.store.ChangeProfile(context.Background(), "default", "u_1",
		store.ProfileChange{Set: map[string]any{"phone": "090-1234-5678"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return b, fake
}

func smsInput() SendInput {
	in := sendInput()
	in.Channel, in.Profile = "sms", &journey.Profile{ID: "u_1", Phone: "090-1234-5678"}
	return in
}

func TestSendThroughTwilio(t *testing.T) {
	ctx := context.Background()
	t.Run("SendsTheBodyToTheNumberInE164WithAStatusCallbackNamingTheMessage", func(t *testing.T) {
		b, fake := twilioSetup(t)
		res, err := b.send(t, smsInput())
		if err != nil || res.Status != MessageSent {
			t.Fatalf("got %+v, %v (invalid: %v)", res, err, fake.Invalid())
		}
		got := fake.Messages()
		if len(got) != 1 || got[0].To != "+819012345678" || got[0].SID != res.ProviderID ||
			got[0].Body != "Journey cart v2, message "+res.MessageID+": TEA SET" {
			t.Fatalf("Twilio got %+v; want one message to +819012345678 (provider ID %s)", got, res.ProviderID)
		}
		want := "https://tabiji.test/webhooks/twilio/default?message=" + strings.ReplaceAll(res.MessageID, "/", "%2F")
		if got[0].StatusCallback != want {
			t.Errorf("status callback %q, want %q", got[0].StatusCallback, want)
		}
	})
	t.Run("ANumberThatIsNoNumberIsSkippedNamingIt", func(t *testing.T) {
		b, fake := twilioSetup(t)
		if _, err := b.store.ChangeProfile(ctx, "default", "u_1", store.ProfileChange{Set: map[string]any{"phone": "unknown"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, smsInput())
		if err != nil || res.Status != MessageSkipped || !strings.Contains(res.Reason, "no usable sms address") {
			t.Fatalf("got %+v, %v; want skipped for the number", res, err)
		}
		if len(fake.Requests()) != 0 {
			t.Error("Twilio was called")
		}
	})
	t.Run("ASuppressedNumberIsSkippedWhateverItsForm", func(t *testing.T) {
		b, fake := twilioSetup(t)
		if err := b.store.Suppress(ctx, store.Suppression{WorkspaceID: "default", Channel: "sms", Address: "+819012345678",
			Reason: store.SuppressSMSStop}); err != nil {
			t.Fatal(err)
		}
		res, err := b.send(t, smsInput())
		if err != nil || res.Status != MessageSkipped || !strings.Contains(res.Reason, "sms_stop") {
			t.Fatalf("got %+v, %v; want skipped as suppressed", res, err)
		}
		if len(fake.Requests()) != 0 {
			t.Error("Twilio was called")
		}
	})
	t.Run("ARefusedNumberFailsWithoutRetry", func(t *testing.T) {
		b, fake := twilioSetup(t)
		fake.FailNext(http.StatusBadRequest, nil, 1)
		_, err := b.send(t, smsInput())
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() {
			t.Fatalf("want a non-retryable failure, got %v", err)
		}
		if m := b.status(t, smsInput().MessageID); m.Status != MessageFailed {
			t.Errorf("message status %q, want failed", m.Status)
		}
	})
	t.Run("A503ThenSuccessSendsOnce", func(t *testing.T) {
		b, fake := twilioSetup(t)
		fake.FailNext(http.StatusServiceUnavailable, nil, 1)
		if _, err := b.send(t, smsInput()); err == nil {
			t.Fatal("want the 503 to fail the attempt")
		}
		for range 2 {
			if res, err := b.send(t, smsInput()); err != nil || res.Status != MessageSent {
				t.Fatalf("retry: %+v, %v", res, err)
			}
		}
		if n := len(fake.Messages()); n != 1 {
			t.Fatalf("Twilio accepted %d messages, want 1", n)
		}
	})
}

// TestSMSFollowsTheAdvertisingPolicyAsEmailDoes: under an enforced
// advertising-mail policy a promotional SMS needs the customer's recorded
// opt-in for sms, as a promotional email does; a transactional one does not.
func TestSMSFollowsTheAdvertisingPolicyAsEmailDoes(t *testing.T) {
	ctx := context.Background()
	b, fake := twilioSetup(t)
	required := true
	if _, err := b.store.PutAdvertisingPolicy(ctx, store.AdvertisingPolicy{WorkspaceID: "default", OptInRequired: &required,
		SenderName: "Tabiji Shop", SenderAddress: "1-1 Chiyoda, Tokyo", SenderContact: "support@shop.example.jp"}); err != nil {
		t.Fatal(err)
	}
	promo := smsInput()
	if res, err := b.send(t, promo); err != nil || res.Status != MessageSkipped || res.Reason != advertising.ReasonNoOptIn {
		t.Fatalf("promotional SMS without opt-in = %+v, %v; want skipped %q", res, err, advertising.ReasonNoOptIn)
	}
	receipt := smsInput()
	receipt.MessageID, receipt.Transactional = receipt.MessageID+"-receipt", true
	if res, err := b.send(t, receipt); err != nil || res.Status != MessageSent {
		t.Fatalf("transactional SMS = %+v, %v; want sent", res, err)
	}
	if _, err := b.store.SetConsent(ctx, store.Consent{WorkspaceID: "default", CustomerID: "u_1", Channel: "sms", Status: store.OptedIn,
		Source: "signup_form", UpdatedAt: time.Now(), Evidence: []byte(`{"wording":"SMSでお知らせを受け取る"}`)}); err != nil {
		t.Fatal(err)
	}
	promo.MessageID += "-after-opt-in"
	if res, err := b.send(t, promo); err != nil || res.Status != MessageSent {
		t.Fatalf("promotional SMS after opt-in = %+v, %v; want sent", res, err)
	}
	if got := fake.Messages(); len(got) != 2 {
		t.Errorf("Twilio got %d messages, want the receipt and the promotion after opt-in", len(got))
	}
}
