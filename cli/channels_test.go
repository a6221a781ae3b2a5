package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
)

// channelFlags parses ChannelFlags from the environment, as kong does for
// the commands that will embed them.
func channelFlags(t *testing.T) ChannelFlags {
	t.Helper()
	var cli struct {
		Channels ChannelFlags `embed:""`
	}
	parser, err := kong.New(&cli)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(nil); err != nil {
		t.Fatal(err)
	}
	return cli.Channels
}

func clearChannelEnv(t *testing.T) {
	for _, env := range []string{"SENDGRID_API_KEY", "SENDGRID_BASE_URL", "SENDGRID_WEBHOOK_PUBLIC_KEY", "SENDGRID_SANDBOX",
		"LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET", "LINE_API_BASE_URL", "FCM_CREDENTIALS_FILE", "FCM_BASE_URL"} {
		t.Setenv(env, "") // restored when the test ends
		os.Unsetenv(env)
	}
}

func TestChannelSenders(t *testing.T) {
	ctx := context.Background()
	t.Run("WithoutCredentialsEveryChannelGoesToTheOutbox", func(t *testing.T) {
		clearChannelEnv(t)
		senders, err := channelFlags(t).Senders(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range []string{"email", "line", "push"} {
			if _, ok := senders[ch].(*outbox.Sender); !ok {
				t.Errorf("%s sender = %T, want the outbox", ch, senders[ch])
			}
		}
	})
	t.Run("CredentialsInTheEnvironmentChooseTheProviders", func(t *testing.T) {
		clearChannelEnv(t)
		sg, ln, push := providertest.NewSendGrid(t), providertest.NewLINE(t), providertest.NewFCM(t)
		t.Setenv("SENDGRID_API_KEY", "SG.k")
		t.Setenv("SENDGRID_BASE_URL", sg.URL)
		t.Setenv("SENDGRID_SANDBOX", "true")
		t.Setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", "pk")
		t.Setenv("LINE_CHANNEL_ACCESS_TOKEN", "tok")
		t.Setenv("LINE_CHANNEL_SECRET", "secret")
		t.Setenv("LINE_API_BASE_URL", ln.URL)
		t.Setenv("FCM_CREDENTIALS_FILE", push.CredentialsFile(t))
		t.Setenv("FCM_BASE_URL", push.URL)
		f := channelFlags(t)
		if f.SendGridWebhookPublicKey != "pk" || f.LINEChannelSecret != "secret" || !f.SendGridSandbox || f.EmailConfirmWindow != 15*time.Minute {
			t.Errorf("flags = %+v", f)
		}
		senders, err := f.Senders(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, isSG := senders["email"].(*sendgrid.Sender)
		_, isLINE := senders["line"].(*line.Sender)
		_, isFCM := senders["push"].(*fcm.Sender)
		if !isSG || !isLINE || !isFCM {
			t.Fatalf("senders = %T %T %T", senders["email"], senders["line"], senders["push"])
		}
		send(t, senders["email"], channels.Message{ID: "m1", To: "a@example.com", Email: &channels.Email{From: "b@example.com", Subject: "s", Text: "t"}})
		send(t, senders["line"], channels.Message{ID: "m2", To: "U1", LINE: []json.RawMessage{json.RawMessage(`{"type":"text","text":"hi"}`)}})
		send(t, senders["push"], channels.Message{ID: "m3", To: "tok", Push: &channels.Push{Title: "t"}})
		var body struct {
			MailSettings struct {
				SandboxMode struct{ Enable bool } `json:"sandbox_mode"`
			} `json:"mail_settings"`
		}
		if reqs := sg.Requests(); len(reqs) != 1 {
			t.Fatalf("SendGrid got %d requests", len(reqs))
		} else if reqs[0].JSON(t, &body); !body.MailSettings.SandboxMode.Enable {
			t.Errorf("SENDGRID_SANDBOX did not reach the request: %s", reqs[0].Body)
		}
		if len(ln.Requests()) != 1 || len(push.Requests()) != 1 {
			t.Errorf("LINE got %d requests, FCM %d", len(ln.Requests()), len(push.Requests()))
		}
	})
	t.Run("AnUnreadableCredentialsFileIsAnError", func(t *testing.T) {
		clearChannelEnv(t)
		t.Setenv("FCM_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "missing.json"))
		if _, err := channelFlags(t).Senders(ctx, nil); err == nil {
			t.Error("Senders with a missing FCM credentials file succeeded")
		}
	})
}

func send(t *testing.T, s channels.Sender, m channels.Message) {
	t.Helper()
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Errorf("send %s: %v", m.ID, err)
	}
}
