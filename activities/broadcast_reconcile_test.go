package activities

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/store"
)

// withShortCalls replaces the bundle's activities with ones whose provider
// clients give up after a second: a call the fake holds (taken, answer not
// sent) then fails as a call does when the worker dies during it.
func withShortCalls(t *testing.T, b *broadcastBundle, confirmWithin map[string]time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	sg, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: b.fake.URL, HTTPClient: client})
	must(t, err)
	ln, err := line.NewSender(line.Config{ChannelAccessToken: "line-token", BaseURL: b.line.URL, HTTPClient: client})
	must(t, err)
	var s testsuite.WorkflowTestSuite
	b.env = s.NewTestActivityEnvironment()
	b.env.RegisterActivity(New(b.store, Options{Senders: map[string]channels.Sender{"email": sg, "line": ln},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test", ConfirmWithin: confirmWithin}))
}

func (b *broadcastBundle) statuses(t *testing.T, customers ...string) []string {
	t.Helper()
	var out []string
	for _, c := range customers {
		m, _, err := b.store.LoggedMessageByID(context.Background(), "default", "bc/default/winter/"+c)
		must(t, err)
		out = append(out, m.Status)
	}
	return out
}

// TestBroadcastBatchReconciles: a batch retried after its provider call was
// taken but never answered follows Send's rule — SendGrid is not called
// again (the rows wait for the webhook, then settle unconfirmed), LINE is
// called again under the same retry key, which it drops.
func TestBroadcastBatchReconciles(t *testing.T) {
	in := emailBroadcast()
	in.CustomerIDs = []string{"ann", "bob"}

	t.Run("SendGridIsNotCalledTwice", func(t *testing.T) {
		b := broadcastSetup(t)
		withShortCalls(t, b, nil)
		held := b.fake.HoldNext()
		defer held.Release()
		if _, err := b.batch(t, in); err == nil {
			t.Fatal("want the unanswered call to fail the attempt")
		}
		<-held.Arrived()
		if got := b.statuses(t, "ann", "bob"); got[0] != MessageSending || got[1] != MessageSending {
			t.Fatalf("after the unanswered call: %v, want sending", got)
		}
		for range 2 {
			res, err := b.batch(t, in)
			if err != nil || res.Sent != 2 {
				t.Fatalf("retry = %+v, %v; want both counted", res, err)
			}
		}
		if n := len(b.fake.Requests()); n != 1 {
			t.Errorf("SendGrid got %d requests, want 1: the retry sent the taken emails again", n)
		}
		if got := b.statuses(t, "ann", "bob"); got[0] != MessageUnconfirmed || got[1] != MessageUnconfirmed {
			t.Errorf("after the retry: %v, want unconfirmed", got)
		}
	})

	t.Run("SendGridWaitsForTheWebhookWithinTheWindow", func(t *testing.T) {
		b := broadcastSetup(t)
		withShortCalls(t, b, map[string]time.Duration{"email": time.Hour})
		held := b.fake.HoldNext()
		defer held.Release()
		if _, err := b.batch(t, in); err == nil {
			t.Fatal("want the unanswered call to fail the attempt")
		}
		<-held.Arrived()
		if _, err := b.batch(t, in); err == nil || !strings.Contains(err.Error(), "AwaitingConfirmation") {
			t.Fatalf("retry within the window = %v, want AwaitingConfirmation", err)
		}
		for _, c := range []string{"ann", "bob"} { // the webhook's processed events arrive
			_, _, err := b.store.RecordMessageEvent(context.Background(), store.MessageEvent{WorkspaceID: "default",
				EventID: "sendgrid:processed-" + c, MessageID: "bc/default/winter/" + c, Status: "processed", ProviderEvent: "processed"})
			must(t, err)
		}
		res, err := b.batch(t, in)
		if err != nil || res.Sent != 2 || res.Duplicates != 2 {
			t.Fatalf("retry after the webhook = %+v, %v", res, err)
		}
		if n := len(b.fake.Requests()); n != 1 {
			t.Errorf("SendGrid got %d requests, want 1", n)
		}
	})

	t.Run("LINEIsCalledAgainUnderTheSameRetryKey", func(t *testing.T) {
		b := broadcastSetup(t)
		withShortCalls(t, b, nil)
		in := in
		in.Spec.Channel, in.Spec.QuietHours = "line", nil
		in.Spec.Content = json.RawMessage(`{"messages": [{"type": "text", "text": "Winter sale: 20% off"}]}`)
		held := b.line.HoldNext()
		defer held.Release()
		if _, err := b.batch(t, in); err == nil {
			t.Fatal("want the unanswered call to fail the attempt")
		}
		<-held.Arrived()
		res, err := b.batch(t, in)
		if err != nil || res.Sent != 2 {
			t.Fatalf("retry = %+v, %v", res, err)
		}
		reqs := b.line.Requests()
		if len(reqs) != 2 || reqs[0].Status != http.StatusOK || reqs[1].Status != http.StatusConflict ||
			reqs[0].Header.Get("X-Line-Retry-Key") != reqs[1].Header.Get("X-Line-Retry-Key") {
			t.Errorf("LINE requests = %+v; want the multicast, then the same key answered 409", reqs)
		}
		if got := b.statuses(t, "ann", "bob"); got[0] != MessageSent || got[1] != MessageSent {
			t.Errorf("after the retry: %v, want sent", got)
		}
	})
}
