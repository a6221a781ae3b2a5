package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/store"
)

const (
	twilioAccount = "AC0123456789abcdef0123456789abcdef"
	twilioToken   = "0123456789abcdef0123456789abcdef"
)

// setupTwilio is the webhook bundle with SMS settings in the environment
// and the public URL Twilio posts to; u1 of w has the Japanese number
// 090-1234-5678 as a form holds it.
func setupTwilio(t *testing.T) *webhookBundle {
	t.Helper()
	b := setupWebhooks(t)
	b.handler = NewServer(Deps{Store: b.store, Temporal: b.signals, PublicURL: "https://tabiji.test/",
		Channels: settings.NewResolver(b.store, settings.Options{Defaults: map[string]settings.Values{
			"sms": {settings.AccountSID: twilioAccount, settings.AuthToken: twilioToken, settings.FromNumber: "+815012345678"}}})})
	if _, err := b.store.ChangeProfile(context.Background(), "w", "u1", store.ProfileChange{Set: map[string]any{"phone": "090-1234-5678"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return b
}

// twilio posts form to path as Twilio does, signed over the public URL
// with token.
func (b *webhookBundle) twilio(t *testing.T, path, token string, form url.Values) (int, string) {
	t.Helper()
	return b.do(t, "POST", path, map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"X-Twilio-Signature": providertest.Sign(token, "https://tabiji.test"+path, form)}, form.Encode())
}

func twilioStatus(sid, status, errorCode string) url.Values {
	f := url.Values{"AccountSid": {twilioAccount}, "MessageSid": {sid}, "MessageStatus": {status}, "To": {"+819012345678"},
		"From": {"+815012345678"}, "ApiVersion": {"2010-04-01"}}
	if errorCode != "" {
		f.Set("ErrorCode", errorCode)
	}
	return f
}

func twilioInbound(sid, body string) url.Values {
	return url.Values{"AccountSid": {twilioAccount}, "MessageSid": {sid}, "SmsStatus": {"received"}, "From": {"+819012345678"},
		"To": {"+815012345678"}, "Body": {body}, "NumMedia": {"0"}}
}

func TestTwilioWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	callback := "/webhooks/twilio/w?message=m1"

	t.Run("StatusCallbacksMoveTheMessageAndSignalItsRunOnce", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		b.sendMessage(t, "m1", "sms")
		for _, status := range []string{"queued", "sent", "delivered", "delivered"} {
			if code, body := b.twilio(t, callback, twilioToken, twilioStatus("SM1", status, "")); code != http.StatusOK || !strings.Contains(body, "<Response>") {
				t.Fatalf("%s: %d %s", status, code, body)
			}
		}
		m, events := b.message(t, "m1")
		if m.Status != "delivered" || m.ProviderID != "SM1" || len(events) != 3 {
			t.Errorf("message = %s %s with %d events, want delivered SM1 with 3 (the repeat dropped)", m.Status, m.ProviderID, len(events))
		}
		if got := b.signals.names(); !slices.Equal(got, []string{"sms_sent", "sms_delivered"}) {
			t.Errorf("signals = %v, want sms_sent and one sms_delivered", got)
		}
	})
	t.Run("AFailureForAnUnreachableNumberSuppressesIt", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		b.sendMessage(t, "m1", "sms")
		b.twilio(t, callback, twilioToken, twilioStatus("SM1", "undelivered", "30006"))
		if m, _ := b.message(t, "m1"); m.Status != "failed" {
			t.Errorf("message status %q, want failed", m.Status)
		}
		if sp, err := b.store.Suppressed(ctx, "w", "sms", "+819012345678"); err != nil || sp.Reason != store.SuppressInvalid {
			t.Errorf("suppression = %+v, %v", sp, err)
		}
		if got := b.signals.names(); !slices.Equal(got, []string{"sms_failed"}) {
			t.Errorf("signals = %v, want sms_failed", got)
		}
	})
	t.Run("ForgedOrUnsignedCallbacksAreRefused", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		b.sendMessage(t, "m1", "sms")
		form := twilioStatus("SM1", "delivered", "")
		for name, sig := range map[string]string{
			"WrongToken": providertest.Sign("ffffffffffffffffffffffffffffffff", "https://tabiji.test"+callback, form),
			"OtherURL":   providertest.Sign(twilioToken, "https://tabiji.test/webhooks/twilio/w?message=m2", form),
			"None":       "",
		} {
			code, _ := b.do(t, "POST", callback, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig}, form.Encode())
			if code != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", name, code)
			}
		}
		tampered := twilioStatus("SM1", "failed", "")
		code, _ := b.do(t, "POST", callback, map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"X-Twilio-Signature": providertest.Sign(twilioToken, "https://tabiji.test"+callback, form)}, tampered.Encode())
		if code != http.StatusUnauthorized {
			t.Errorf("tampered body: %d, want 401", code)
		}
		if m, _ := b.message(t, "m1"); m.Status != "recorded" {
			t.Errorf("message status %q after forgeries, want it unchanged", m.Status)
		}
	})
	t.Run("AnotherWorkspacesCallbackCannotTouchOurMessage", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		b.sendMessage(t, "m1", "sms")
		// Both workspaces share the operator's Twilio account here, so the
		// signature holds: the path's workspace alone must keep w's row out.
		code, _ := b.twilio(t, "/webhooks/twilio/other?message=m1", twilioToken, twilioStatus("SM1", "failed", "30003"))
		if code >= http.StatusInternalServerError {
			t.Fatalf("other workspace's callback: %d", code)
		}
		if m, _ := b.message(t, "m1"); m.Status != "recorded" {
			t.Errorf("w's message is %q after other's callback, want it unchanged", m.Status)
		}
		if got := b.signals.names(); len(got) != 0 {
			t.Errorf("signals = %v, want none", got)
		}
		if _, err := b.store.Suppressed(ctx, "w", "sms", "+819012345678"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("w's number suppressed by other's callback: %v", err)
		}
	})
	t.Run("AnotherAccountIsRefusedNamingTheField", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		form := twilioStatus("SM1", "delivered", "")
		form.Set("AccountSid", "AC"+strings.Repeat("f", 32))
		if code, body := b.twilio(t, callback, twilioToken, form); code != http.StatusBadRequest || !strings.Contains(body, "AccountSid") {
			t.Errorf("other account: %d %s", code, body)
		}
	})
	t.Run("WithoutAnAuthTokenWebhooksAreOff", func(t *testing.T) {
		t.Parallel()
		b := setupWebhooks(t)
		if code, _ := b.twilio(t, callback, twilioToken, twilioStatus("SM1", "delivered", "")); code != http.StatusServiceUnavailable {
			t.Errorf("no token: %d, want 503", code)
		}
	})
	t.Run("StopOptsTheCustomerOutAndStartBackIn", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		b.twilio(t, "/webhooks/twilio/w", twilioToken, twilioInbound("SMin1", "配信停止"))
		if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "sms", ""); got != store.OptedOut {
			t.Errorf("SMS consent after 配信停止 = %q", got)
		}
		if recs, err := b.store.ConsentRecords(ctx, "w", "u1"); err != nil || len(recs) != 1 || recs[0].Source != "twilio:stop" ||
			!strings.Contains(string(recs[0].Evidence), "配信停止") || !strings.Contains(string(recs[0].Evidence), "SMin1") {
			t.Errorf("consent records = %+v, %v; want twilio:stop with the reply as evidence", recs, err)
		}
		if sp, err := b.store.Suppressed(ctx, "w", "sms", "+819012345678"); err != nil || sp.Reason != store.SuppressSMSStop {
			t.Errorf("suppression after STOP = %+v, %v", sp, err)
		}
		if events := b.events(t, "u1"); !strings.Contains(events, `sms_replied`) || !strings.Contains(events, `"keyword": "stop"`) {
			t.Errorf("events of u1:\n%s", events)
		}
		b.twilio(t, "/webhooks/twilio/w", twilioToken, twilioInbound("SMin2", "START"))
		if got, _, _ := b.store.ConsentFor(ctx, "w", "u1", "sms", ""); got != store.OptedIn {
			t.Errorf("SMS consent after START = %q", got)
		}
		if _, err := b.store.Suppressed(ctx, "w", "sms", "+819012345678"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("suppression after START: %v", err)
		}
	})
	t.Run("AReplyFromAnUnknownNumberMakesAProfile", func(t *testing.T) {
		t.Parallel()
		b := setupTwilio(t)
		form := twilioInbound("SMin1", "hello")
		form.Set("From", "+14155552671")
		if code, _ := b.twilio(t, "/webhooks/twilio/w", twilioToken, form); code != http.StatusOK {
			t.Fatalf("inbound: %d", code)
		}
		p, err := b.store.GetProfile(ctx, "w", "sms:+14155552671")
		if err != nil || p.Phone != "+14155552671" {
			t.Fatalf("profile = %+v, %v", p, err)
		}
		if events := b.events(t, "sms:+14155552671"); !strings.Contains(events, `"text": "hello"`) {
			t.Errorf("events:\n%s", events)
		}
	})
}
