package api

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/store"
)

// testSendAnswer is what POST /v1/templates/{id}/test-send answers.
type testSendAnswer struct {
	MessageID, Status, SentThrough, ProviderID, To string
}

func (b *channelsBundle) template(t *testing.T, ws, id, channel, content string) {
	t.Helper()
	if _, err := b.store.CreateMessageTemplate(context.Background(), ws, id, channel, id, json.RawMessage(content)); err != nil {
		t.Fatal(err)
	}
}

func (b *channelsBundle) testSend(t *testing.T, admin map[string]string, template, body string, want int) testSendAnswer {
	t.Helper()
	code, raw := b.do(t, "POST", "/v1/templates/"+template+"/test-send", admin, body)
	if code != want {
		t.Fatalf("test send of %s: %d %s, want %d", template, code, raw, want)
	}
	var a testSendAnswer
	_ = json.Unmarshal([]byte(raw), &a)
	return a
}

// TestTestSendGoesThroughTheProvider: a test send goes through the
// workspace's configured sender — SendGrid, LINE or FCM, each its fake —
// or the outbox without credentials; it is logged as a test message that
// no provider event moves and no frequency cap counts; caps do not hold
// it back but a suppressed address is refused.
func TestTestSendGoesThroughTheProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupChannels(t)
	account, err := os.ReadFile(b.fcm.CredentialsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, put := range []struct{ channel, body string }{
		{"email", `{"apiKey": "SG.key-of-w", "webhookPublicKey": "` + b.sgKey.publicKey + `"}`},
		{"line", `{"channelAccessToken": "line-token-of-w"}`},
		{"push", `{"serviceAccount": ` + string(account) + `}`},
	} {
		if code, body := b.put(t, put.channel, put.body); code != 200 {
			t.Fatalf("put %s: %d %s", put.channel, code, body)
		}
	}
	b.template(t, "w", "cart_email", "email", `{"subject": "Hi {{ profile.traits.name }}", "html": "<p>Your cart</p>", "from": "news@shop.example"}`)
	b.template(t, "w", "cart_line", "line", `{"messages": [{"type": "text", "text": "Hi {{ profile.traits.name }}"}]}`)
	b.template(t, "w", "cart_push", "push", `{"title": "Hi {{ profile.traits.name }}", "body": "Your cart"}`)
	// u1 already had an email today and may have one a day: the test passes the cap.
	if _, _, err := b.store.RecordMessage(ctx, store.Message{ID: "earlier", WorkspaceID: "w", CustomerID: "u1", Channel: "email", Status: "sent"}); err != nil {
		t.Fatal(err)
	}
	if err := b.store.PutFrequencyCaps(ctx, "w", json.RawMessage(`{"email": [{"max": 1, "window": "1d"}]}`)); err != nil {
		t.Fatal(err)
	}

	t.Run("EmailThroughSendGridWithTheWorkspaceKey", func(t *testing.T) {
		a := b.testSend(t, b.admin, "cart_email", `{"profileId": "u1", "to": "qa@shop.example"}`, 202)
		if a.SentThrough != "sendgrid" || a.Status != "test" || a.ProviderID == "" {
			t.Errorf("answer = %+v", a)
		}
		reqs := b.sg.Requests()
		if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer SG.key-of-w" {
			t.Fatalf("SendGrid requests = %+v", reqs)
		}
		var mail struct {
			Personalizations []struct{ To []struct{ Email string } } `json:"personalizations"`
			Subject          string                                  `json:"subject"`
		}
		reqs[0].JSON(t, &mail)
		if len(mail.Personalizations) != 1 || mail.Personalizations[0].To[0].Email != "qa@shop.example" || mail.Subject != "Hi Hana" {
			t.Errorf("mail = %s", reqs[0].Body)
		}
		// The provider's events are logged, but the message stays a test, uncounted.
		events := "[" + strings.ReplaceAll(sgEvent("sg-d1", "delivered", a.MessageID, ""), "u1@example.jp", "qa@shop.example") + "]"
		if code, body := b.do(t, "POST", "/webhooks/sendgrid/w", b.sgKey.headers(t, events, time.Now()), events); code != 200 {
			t.Fatalf("webhook: %d %s", code, body)
		}
		m, history := b.message(t, a.MessageID)
		statuses := map[string]bool{}
		for _, e := range history {
			statuses[e.Status] = true
		}
		if m.Status != "test" || m.CustomerID != "u1" || m.ProviderID != a.ProviderID || len(history) != 2 || !statuses["delivered"] || !statuses["test"] {
			t.Errorf("logged = %+v, history %+v", m, history)
		}
		if n, err := b.store.CountSentSince(ctx, "w", "u1", "email", time.Now().Add(-time.Hour)); err != nil || n != 1 {
			t.Errorf("sends counted for caps = %d, %v: want 1 (the test send is not counted)", n, err)
		}
	})

	t.Run("LINEThroughTheMessagingAPI", func(t *testing.T) {
		a := b.testSend(t, b.admin, "cart_line", `{"profileId": "u1", "to": "`+testLineUser+`"}`, 202)
		reqs := b.line.Requests()
		if a.SentThrough != "line" || len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer line-token-of-w" ||
			!strings.Contains(string(reqs[0].Body), "Hi Hana") {
			t.Errorf("answer %+v, LINE requests %+v", a, reqs)
		}
	})

	t.Run("PushThroughFCM", func(t *testing.T) {
		a := b.testSend(t, b.admin, "cart_push", `{"profileId": "u1", "to": "device-token-1"}`, 202)
		reqs := b.fcm.Requests()
		if a.SentThrough != "fcm" || len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), "device-token-1") {
			t.Errorf("answer %+v, FCM requests %+v", a, reqs)
		}
	})

	t.Run("OutboxWithoutCredentials", func(t *testing.T) {
		otherAdmin, _ := b.keys(t, "other")
		otherAdmin["Content-Type"] = "application/json"
		b.template(t, "other", "hello", "email", `{"subject": "Hello", "html": "<p>x</p>", "from": "news@shop.example"}`)
		a := b.testSend(t, otherAdmin, "hello", `{"to": "qa@shop.example"}`, 202)
		if a.SentThrough != "outbox" || len(b.sg.Requests()) != 1 {
			t.Errorf("answer %+v; SendGrid got %d requests, want only the first subtest's", a, len(b.sg.Requests()))
		}
	})

	t.Run("ASuppressedAddressIsRefused", func(t *testing.T) {
		if err := b.store.Suppress(ctx, store.Suppression{WorkspaceID: "w", Channel: "email", Address: "bounced@shop.example", Reason: store.SuppressHardBounce}); err != nil {
			t.Fatal(err)
		}
		code, body := b.do(t, "POST", "/v1/templates/cart_email/test-send", b.admin, `{"to": "bounced@shop.example"}`)
		if code != 422 || !strings.Contains(body, `"field":"to"`) || len(b.sg.Requests()) != 1 {
			t.Errorf("%d %s; SendGrid got %d requests", code, body, len(b.sg.Requests()))
		}
	})

	t.Run("AProviderRefusalIsA502AndLogged", func(t *testing.T) {
		b.sg.FailNext(400, nil, 1)
		code, body := b.do(t, "POST", "/v1/templates/cart_email/test-send", b.admin, `{"to": "qa@shop.example"}`)
		if code != 502 || !strings.Contains(body, "sendgrid refused") {
			t.Fatalf("%d %s, want 502", code, body)
		}
		page, _, err := b.store.MessageLog(ctx, "w", store.LogFilter{Status: "test"})
		if err != nil {
			t.Fatal(err)
		}
		last := page[len(page)-1]
		_, history, _ := b.store.LoggedMessageByID(ctx, "w", last.ID)
		if len(history) != 1 || history[0].Status != "failed" {
			t.Errorf("history of the refused test = %+v", history)
		}
	})
}
