package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

// TestChannelTestSend: each channel's fixed test message goes to the
// address typed, through the workspace's provider (SendGrid and LINE,
// their spec-checking fakes) or the outbox without credentials, logged as
// a test; a bad address or sender, a suppressed address and an unknown
// channel are refused naming what is wrong.
func TestChannelTestSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupChannels(t)
	for _, put := range []struct{ channel, body string }{
		{"email", `{"apiKey": "SG.key-of-w", "webhookPublicKey": "` + b.sgKey.publicKey + `"}`},
		{"line", `{"channelAccessToken": "line-token-of-w"}`},
	} {
		if code, body := b.put(t, put.channel, put.body); code != 200 {
			t.Fatalf("put %s: %d %s", put.channel, code, body)
		}
	}
	send := func(t *testing.T, channel, body string, want int) (channelTestResponse, string) {
		t.Helper()
		code, raw := b.do(t, "POST", "/v1/channels/"+channel+"/test-send", b.admin, body)
		if code != want {
			t.Fatalf("test send on %s: %d %s, want %d", channel, code, raw, want)
		}
		var a channelTestResponse
		_ = json.Unmarshal([]byte(raw), &a)
		return a, raw
	}

	t.Run("EmailThroughSendGrid", func(t *testing.T) {
		a, _ := send(t, "email", `{"to": "qa@shop.example", "from": "news@shop.example"}`, 200)
		reqs := b.sg.Requests()
		if a.SentThrough != "sendgrid" || a.Status != "test" || len(reqs) != 1 || reqs[0].Status/100 != 2 ||
			!strings.Contains(string(reqs[0].Body), "qa@shop.example") || len(b.sg.Invalid()) != 0 {
			t.Fatalf("answer %+v, SendGrid %d requests (invalid %v)", a, len(reqs), b.sg.Invalid())
		}
		if m, _ := b.message(t, a.MessageID); m.Status != "test" || m.Channel != "email" {
			t.Errorf("logged = %+v", m)
		}
	})
	t.Run("LINEThroughTheMessagingAPI", func(t *testing.T) {
		a, _ := send(t, "line", `{"to": "`+testLineUser+`"}`, 200)
		if reqs := b.line.Requests(); a.SentThrough != "line" || len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), "Tabiji") {
			t.Errorf("answer %+v, LINE requests %d", a, len(reqs))
		}
	})
	t.Run("PushAndSMSThroughTheOutboxWithoutCredentials", func(t *testing.T) {
		for channel, to := range map[string]string{"push": "device-token-1", "sms": "+819012345678"} {
			if a, _ := send(t, channel, `{"to": "`+to+`"}`, 200); a.SentThrough != "outbox" || a.To != to {
				t.Errorf("%s: %+v", channel, a)
			}
		}
	})
	t.Run("RefusalsNameWhatIsWrong", func(t *testing.T) {
		if err := b.store.Suppress(ctx, store.Suppression{WorkspaceID: "w", Channel: "email", Address: "bounced@shop.example", Reason: store.SuppressHardBounce}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			channel, body string
			status        int
			field         string
		}{
			{"email", `{"to": "not an address", "from": "news@shop.example"}`, 400, "to"},
			{"email", `{"to": "qa@shop.example"}`, 400, "from"},
			{"email", `{"to": "bounced@shop.example", "from": "news@shop.example"}`, 422, "to"},
			{"sms", `{"to": "090-1234-5678"}`, 400, "to"},
			{"line", `{"to": "Uxyz"}`, 400, "to"},
			{"fax", `{"to": "x"}`, 404, ""},
			{"email", `{"to": "qa@shop.example", "cc": "x"}`, 400, "cc"},
		} {
			_, raw := send(t, c.channel, c.body, c.status)
			if c.field != "" && !strings.Contains(raw, `"field":"`+c.field+`"`) {
				t.Errorf("%s %s: %s, want the field %s named", c.channel, c.body, raw, c.field)
			}
		}
		if n := len(b.sg.Requests()); n != 1 {
			t.Errorf("SendGrid got %d requests, want only the first subtest's", n)
		}
	})
}
