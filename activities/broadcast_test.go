package activities

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/experiment"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// broadcastNow is 10:00 UTC: 19:00 in Tokyo, 05:00 in New York (inside
// the 21:00–08:00 quiet hours until 13:00 UTC).
var broadcastNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type broadcastBundle struct {
	env   *testsuite.TestActivityEnvironment
	store *store.Store
	fake  *providertest.Server
	line  *providertest.LINE
}

// broadcastSetup is the activities over real Postgres, the real SendGrid
// and LINE senders and the spec-checking fakes, with seven customers:
// ann and bob may be sent, cat's address is suppressed, dan had his one
// email of the day, eve is in her quiet hours, fay opted out, gus has no
// email address.
func broadcastSetup(t *testing.T) *broadcastBundle {
	t.Helper()
	ctx := context.Background()
	fake, lineFake := providertest.NewSendGrid(t), providertest.NewLINE(t)
	sg, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := line.NewSender(line.Config{ChannelAccessToken: "line-token", BaseURL: lineFake.URL})
	if err != nil {
		t.Fatal(err)
	}
	st := pgtest.Store(t)
	if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	for id, traits := range map[string]map[string]any{
		"ann": {"name": "Ann", "email": "ann@example.com", "timezone": "Asia/Tokyo", "lineUserId": "U" + strings.Repeat("a", 32)},
		"bob": {"name": "Bob", "email": "bob@example.com", "lineUserId": "U" + strings.Repeat("b", 32)},
		"cat": {"name": "Cat", "email": "Cat@Example.com"},
		"dan": {"name": "Dan", "email": "dan@example.com"},
		"eve": {"name": "Eve", "email": "eve@example.com", "timezone": "America/New_York"},
		"fay": {"name": "Fay", "email": "fay@example.com"},
		"gus": {"name": "Gus"},
	} {
		if _, err := st.ChangeProfile(ctx, "default", id, store.ProfileChange{Set: traits}, broadcastNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	must(t, st.Suppress(ctx, store.Suppression{WorkspaceID: "default", Channel: "email", Address: "cat@example.com", Reason: store.SuppressHardBounce}))
	_, err = st.SetConsent(ctx, store.Consent{WorkspaceID: "default", CustomerID: "fay", Channel: "email", Status: store.OptedOut, Source: "test"})
	must(t, err)
	must(t, st.PutFrequencyCaps(ctx, "default", json.RawMessage(`{"email":[{"max":1,"window":"1d"}]}`)))
	_, _, err = st.RecordMessage(ctx, store.Message{ID: "earlier-dan", WorkspaceID: "default", CustomerID: "dan", JourneyID: "j",
		WorkflowID: "w", RunID: "r", NodeID: "n", Channel: "email", Status: "sent", CreatedAt: broadcastNow.Add(-time.Minute)})
	must(t, err)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(New(st, Options{Senders: map[string]channels.Sender{"email": sg, "line": ln},
		UnsubscribeSecret: "s3cret", PublicURL: "https://tabiji.test"}))
	return &broadcastBundle{env: env, store: st, fake: fake, line: lineFake}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func emailBroadcast() BroadcastBatchInput {
	return BroadcastBatchInput{
		Spec: BroadcastSpec{WorkspaceID: "default", BroadcastID: "winter", SegmentID: "all", Channel: "email",
			Content: json.RawMessage(`{"subject": "{{ profile.traits.name }}, winter sale", "from": "shop@example.com",
				"html": "<p>20% off.</p><p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a> ({{ message.id }})</p>"}`),
			QuietHours: &journey.QuietHours{Start: "21:00", End: "08:00"}},
		WorkflowID: "ws_default/bc_winter", RunID: "run1",
		CustomerIDs: []string{"ann", "bob", "cat", "dan", "eve", "fay", "gus"},
		Now:         broadcastNow,
	}
}

func (b *broadcastBundle) batch(t *testing.T, in BroadcastBatchInput) (BroadcastBatchResult, error) {
	t.Helper()
	var a *Activities
	v, err := b.env.ExecuteActivity(a.BroadcastBatch, in)
	if err != nil {
		return BroadcastBatchResult{}, err
	}
	var res BroadcastBatchResult
	must(t, v.Get(&res))
	return res, nil
}

type personalization struct {
	To            []struct{ Email string } `json:"to"`
	Subject       string                   `json:"subject"`
	CustomArgs    map[string]string        `json:"custom_args"`
	Substitutions map[string]string        `json:"substitutions"`
	Headers       map[string]string        `json:"headers"`
}

func TestBroadcastBatch(t *testing.T) {
	t.Run("SendsOneSendGridRequestAndSkipsOrDefersTheRest", func(t *testing.T) {
		b := broadcastSetup(t)
		res, err := b.batch(t, emailBroadcast())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"address suppressed: hard_bounce": 1, "frequency cap: 1 email per 1d reached": 1,
			"opted out of email": 1, "no email address": 1}
		if res.Sent != 2 || res.Deferred != 1 || res.Failed != 0 || !maps.Equal(res.Skipped, want) {
			t.Fatalf("result = %+v, want 2 sent, 1 deferred, skipped %v", res, want)
		}
		if len(res.DeferredUntil) != 1 || !res.DeferredUntil[0].Equal(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)) {
			t.Errorf("deferred until %v, want 08:00 in New York (13:00 UTC)", res.DeferredUntil)
		}
		reqs := b.fake.Requests()
		if len(reqs) != 1 || len(b.fake.Invalid()) > 0 {
			t.Fatalf("SendGrid got %d requests (invalid: %v), want 1", len(reqs), b.fake.Invalid())
		}
		var body struct {
			Personalizations []personalization `json:"personalizations"`
			Content          []struct{ Type, Value string }
		}
		reqs[0].JSON(t, &body)
		if len(body.Personalizations) != 2 {
			t.Fatalf("personalizations = %+v, want ann and bob", body.Personalizations)
		}
		mails := providertest.Mails(t, reqs[0])
		for i, name := range []string{"ann", "bob"} {
			p, mail := body.Personalizations[i], mails[i]
			id := "bc/default/winter/" + name
			unsub := strings.Trim(p.Headers["List-Unsubscribe"], "<>")
			if p.To[0].Email != name+"@example.com" || p.CustomArgs["message_id"] != id || !strings.HasPrefix(unsub, "https://tabiji.test/u/") {
				t.Errorf("personalization %d = %+v", i, p)
			}
			if want := `<p>20% off.</p><p><a href="` + unsub + `">Unsubscribe</a> (` + id + `)</p>`; mail.Content["text/html"] != want {
				t.Errorf("%s receives\n%s, want\n%s", name, mail.Content["text/html"], want)
			}
			if want := "20% off.\nUnsubscribe (" + unsub + ") (" + id + ")"; mail.Content["text/plain"] != want {
				t.Errorf("%s receives text\n%s, want\n%s", name, mail.Content["text/plain"], want)
			}
			if want := strings.ToUpper(name[:1]) + name[1:] + ", winter sale"; p.Subject != want {
				t.Errorf("subject %q, want %q", p.Subject, want)
			}
		}
		if html := body.Content[len(body.Content)-1].Value; html != `<p>20% off.</p><p><a href="-tv0-">Unsubscribe</a> (-tv1-)</p>` {
			t.Errorf("the shared HTML should carry the substitution tags: %s", html)
		}
		p, err := b.store.BroadcastProgress(context.Background(), "default", "winter")
		if err != nil || p.Sent != 2 || p.Deferred != 1 || p.Processed != 6 || !maps.Equal(p.Skipped, want) {
			t.Errorf("progress = %+v, %v", p, err)
		}
	})
	t.Run("ARetriedBatchSendsNothingTwice", func(t *testing.T) {
		b := broadcastSetup(t)
		b.fake.FailNext(http.StatusInternalServerError, nil, 1)
		if _, err := b.batch(t, emailBroadcast()); err == nil {
			t.Fatal("want the 500 to fail the attempt")
		}
		for range 2 { // Temporal's retry, then the batch run again
			res, err := b.batch(t, emailBroadcast())
			if err != nil || res.Sent != 2 || res.Deferred != 1 {
				t.Fatalf("retry = %+v, %v", res, err)
			}
		}
		if n := accepted(b.fake); n != 1 {
			t.Fatalf("SendGrid accepted %d requests, want 1", n)
		}
		for _, id := range []string{"ann", "bob"} {
			m, hist, err := b.store.LoggedMessageByID(context.Background(), "default", "bc/default/winter/"+id)
			if err != nil || m.Status != MessageSent || m.ProviderID == "" || len(hist) != 1 {
				t.Errorf("%s: %+v %v, %v", id, m, hist, err)
			}
		}
	})
	t.Run("SendsTheDeferredCustomerWhenHerQuietHoursEnd", func(t *testing.T) {
		b := broadcastSetup(t)
		if _, err := b.batch(t, emailBroadcast()); err != nil {
			t.Fatal(err)
		}
		in := emailBroadcast()
		in.CustomerIDs, in.Now = []string{"eve"}, time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
		res, err := b.batch(t, in)
		if err != nil || res.Sent != 1 || res.Deferred != 0 {
			t.Fatalf("at 08:00 in New York: %+v, %v", res, err)
		}
		p, err := b.store.BroadcastProgress(context.Background(), "default", "winter")
		if err != nil || p.Sent != 3 || p.Deferred != 0 {
			t.Errorf("progress = %+v, %v", p, err)
		}
	})
	t.Run("TheContentsTopicDecidesConsent", func(t *testing.T) {
		b := broadcastSetup(t)
		_, err := b.store.SetConsent(context.Background(), store.Consent{WorkspaceID: "default", CustomerID: "bob", Channel: "email",
			Topic: "promotions", Status: store.OptedOut, Source: "test"})
		must(t, err)
		in := emailBroadcast()
		in.Spec.Content = json.RawMessage(`{"subject": "Sale", "from": "shop@example.com", "html": "<p>Sale</p>", "topic": "promotions"}`)
		in.CustomerIDs = []string{"ann", "bob"}
		res, err := b.batch(t, in)
		if err != nil || res.Sent != 1 || res.Skipped["opted out of email (promotions)"] != 1 {
			t.Fatalf("result = %+v, %v; want ann sent and bob skipped for the topic", res, err)
		}
		var body struct{ Personalizations []personalization }
		b.fake.Requests()[0].JSON(t, &body)
		if p := body.Personalizations[0]; p.CustomArgs["topic"] != "promotions" {
			t.Errorf("custom_args = %v, want the topic", p.CustomArgs)
		}
	})
	t.Run("ARowLeftSendingForACustomerWhoseProfileIsGoneFails", func(t *testing.T) {
		b := broadcastSetup(t)
		in := emailBroadcast()
		_, err := b.store.RecordBroadcastMessages(context.Background(), "winter", []store.Message{{ID: "bc/default/winter/zed",
			WorkspaceID: "default", CustomerID: "zed", WorkflowID: in.WorkflowID, RunID: "run0", Channel: "email", Status: MessageSending}})
		must(t, err)
		in.CustomerIDs = []string{"zed"}
		res, err := b.batch(t, in)
		if err != nil || res.Failed != 1 || len(b.fake.Requests()) != 0 {
			t.Fatalf("result = %+v, %v; want zed failed and no request", res, err)
		}
		m, _, err := b.store.LoggedMessageByID(context.Background(), "default", "bc/default/winter/zed")
		if err != nil || m.Status != MessageFailed {
			t.Errorf("zed's message = %+v, %v; want failed", m, err)
		}
	})
	t.Run("TheGlobalControlGroupGetsNothing", func(t *testing.T) {
		b := broadcastSetup(t)
		must(t, b.store.PutGlobalControl(context.Background(), "default", 60))
		in := emailBroadcast()
		var control []string
		for _, c := range in.CustomerIDs {
			if experiment.InGlobalControl(60, "default", c) {
				control = append(control, c)
			}
		}
		if len(control) == 0 {
			t.Fatal("pick a share that puts someone of the seven in the control group")
		}
		res, err := b.batch(t, in)
		if err != nil || res.Skipped[ReasonGlobalControl] != len(control) {
			t.Fatalf("result = %+v, %v; want %v skipped as global_control", res, err, control)
		}
		for _, c := range control {
			m, _, err := b.store.LoggedMessageByID(context.Background(), "default", "bc/default/winter/"+c)
			if err != nil || m.Status != MessageSkipped || m.Body != ReasonGlobalControl {
				t.Errorf("%s: %+v, %v", c, m, err)
			}
		}
	})
	t.Run("MulticastsLINEToTheCustomersWithTheSameMessage", func(t *testing.T) {
		b := broadcastSetup(t)
		in := emailBroadcast()
		in.Spec.Channel, in.Spec.QuietHours = "line", nil
		in.Spec.Content = json.RawMessage(`{"messages": [{"type": "text", "text": "Winter sale: 20% off"}]}`)
		in.CustomerIDs = []string{"ann", "bob", "gus"}
		res, err := b.batch(t, in)
		if err != nil || res.Sent != 2 || res.Skipped["no line address"] != 1 {
			t.Fatalf("result = %+v, %v", res, err)
		}
		reqs := b.line.Requests()
		if len(reqs) != 1 || reqs[0].Path != "/v2/bot/message/multicast" || len(b.line.Invalid()) > 0 {
			t.Fatalf("LINE got %+v (invalid %v), want one multicast", reqs, b.line.Invalid())
		}
		var body struct{ To []string }
		reqs[0].JSON(t, &body)
		if len(body.To) != 2 {
			t.Errorf("multicast to %v, want ann's and bob's user IDs", body.To)
		}
	})
}
