package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/pgtest"
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
		"LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET", "LINE_API_BASE_URL", "FCM_CREDENTIALS_FILE", "FCM_BASE_URL", "TABIJI_SECRETS_KEY", "TABIJI_EMAIL_FROM"} {
		t.Setenv(env, "") // restored when the test ends
		if err := os.Unsetenv(env); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// publicKey returns a SendGrid webhook public key: base64 DER of an ECDSA P-256 key.
func publicKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestChannelSenders(t *testing.T) {
	ctx := context.Background()
	t.Run("WithoutCredentialsEveryChannelGoesToTheOutbox", func(t *testing.T) {
		clearChannelEnv(t)
		r, err := channelFlags(t).Resolver(pgtest.Store(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range []string{"email", "line", "push"} {
			if s, err := r.Sender(ctx, "ws", ch); err != nil {
				t.Error(err)
			} else if _, ok := s.(*outbox.Sender); !ok {
				t.Errorf("%s sender = %T, want the outbox", ch, s)
			}
		}
	})
	t.Run("CredentialsInTheEnvironmentChooseTheProviders", func(t *testing.T) {
		clearChannelEnv(t)
		sg, ln, push := providertest.NewSendGrid(t), providertest.NewLINE(t), providertest.NewFCM(t)
		pk := publicKey(t)
		t.Setenv("SENDGRID_API_KEY", "SG.k")
		t.Setenv("SENDGRID_BASE_URL", sg.URL)
		t.Setenv("SENDGRID_SANDBOX", "true")
		t.Setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", pk)
		t.Setenv("LINE_CHANNEL_ACCESS_TOKEN", "tok")
		t.Setenv("LINE_CHANNEL_SECRET", "secret")
		t.Setenv("LINE_API_BASE_URL", ln.URL)
		t.Setenv("FCM_CREDENTIALS_FILE", push.CredentialsFile(t))
		t.Setenv("FCM_BASE_URL", push.URL)
		f := channelFlags(t)
		if f.SendGridWebhookPublicKey != pk || f.LINEChannelSecret != "secret" || !f.SendGridSandbox || f.EmailConfirmWindow != 15*time.Minute {
			t.Errorf("flags = %+v", f)
		}
		r, err := f.Resolver(pgtest.Store(t))
		if err != nil {
			t.Fatal(err)
		}
		senders := map[string]channels.Sender{}
		for _, ch := range []string{"email", "line", "push"} {
			if senders[ch], err = r.Sender(ctx, "ws", ch); err != nil {
				t.Fatal(err)
			}
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
		if v, err := r.Settings(ctx, "ws", "line"); err != nil || v["channelSecret"] != "secret" {
			t.Errorf("line settings = %v, %v: want the secret from LINE_CHANNEL_SECRET", v, err)
		}
	})
	t.Run("AnUnreadableCredentialsFileIsAnError", func(t *testing.T) {
		clearChannelEnv(t)
		t.Setenv("FCM_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "missing.json"))
		if err := channelFlags(t).check(); err == nil || !strings.Contains(err.Error(), "FCM_CREDENTIALS_FILE") {
			t.Errorf("check with a missing FCM credentials file: %v", err)
		}
	})
}

// TestBadChannelSettingsStopTheStart: a provider setting from the
// environment that its provider cannot take stops tabiji api, worker and
// dev at start, with one line naming the variable — before they connect to
// anything — instead of failing every request later.
func TestBadChannelSettingsStopTheStart(t *testing.T) {
	cases := map[string]struct{ env, value, want string }{
		"WebhookPublicKey": {"SENDGRID_WEBHOOK_PUBLIC_KEY", "not-a-key", "SENDGRID_WEBHOOK_PUBLIC_KEY: must be the base64 ECDSA public key"},
		"BaseURL":          {"LINE_API_BASE_URL", "ftp://line.example", "LINE_API_BASE_URL: must be an http:// or https:// URL"},
		"ShortSecretsKey":  {"TABIJI_SECRETS_KEY", "short", "TABIJI_SECRETS_KEY: settings: the secrets key must be at least 32 characters"},
		// Without a sender every inline email would reach SendGrid without from, and fail there.
		"SendGridWithoutSender": {"SENDGRID_API_KEY", "SG.key", "TABIJI_EMAIL_FROM: must be set when SENDGRID_API_KEY is"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			clearChannelEnv(t)
			t.Setenv(tc.env, tc.value)
			t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none") // never reached
			for _, cmd := range []string{"api", "worker", "dev"} {
				err := Run(context.Background(), []string{cmd}, io.Discard, io.Discard)
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
					t.Errorf("tabiji %s with %s=%q: %v, want one line starting %q", cmd, tc.env, tc.value, err, tc.want)
				}
			}
		})
	}
}

func send(t *testing.T, s channels.Sender, m channels.Message) {
	t.Helper()
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Errorf("send %s: %v", m.ID, err)
	}
}
