package api

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

// channelsBundle is a server whose channel settings are sealed with a key,
// its providers' base URLs pointed at the fakes, over workspaces w and
// other; u1 of w has an email address, a LINE user ID and a push token.
type channelsBundle struct {
	*webhookBundle
	sg    *providertest.Server
	line  *providertest.LINE
	fcm   *providertest.FCM
	admin map[string]string
}

const testLineUser = "U0123456789abcdef0123456789abcdef"

func setupChannels(t *testing.T) *channelsBundle {
	t.Helper()
	ctx := context.Background()
	st := pgtest.Store(t)
	for _, ws := range []string{"w", "other"} {
		if err := st.EnsureWorkspace(ctx, ws, ws); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ChangeProfile(ctx, "w", "u1", store.ProfileChange{Set: map[string]any{
		"email": "u1@example.jp", "lineUserId": testLineUser, "name": "Hana"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	keys, err := settings.NewKeyring("api-test-secrets-key-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	b := &channelsBundle{sg: providertest.NewSendGrid(t), line: providertest.NewLINE(t), fcm: providertest.NewFCM(t)}
	r := settings.NewResolver(st, settings.Options{Keyring: keys, Defaults: map[string]settings.Values{
		"email": {settings.BaseURL: b.sg.URL}, "line": {settings.BaseURL: b.line.URL}, "push": {settings.BaseURL: b.fcm.URL},
	}})
	b.webhookBundle = &webhookBundle{store: st, signals: &signalRecorder{}, sgKey: newSendGridSigner(t)}
	b.handler = NewServer(Deps{Store: st, Temporal: b.signals, Channels: r})
	b.admin, _ = b.keys(t, "w")
	b.admin["Content-Type"] = "application/json"
	return b
}

func (b *channelsBundle) put(t *testing.T, channel, body string) (int, string) {
	t.Helper()
	return b.do(t, "PUT", "/v1/channels/"+channel, b.admin, body)
}

func mustStatus(t *testing.T, what string, code int, body string, want int) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: %d %s, want %d", what, code, body, want)
	}
}

// TestChannelSettingsAPI: PUT validates each field (4xx naming it), GET
// and the list never show a secret, only "set" and its fingerprint, and
// DELETE brings the environment's back.
func TestChannelSettingsAPI(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	account, err := os.ReadFile(b.fcm.CredentialsFile(t))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("BadInputIsAProblemNamingTheField", func(t *testing.T) {
		cases := []struct {
			name, channel, body string
			status              int
			field               string
		}{
			{"EmptyAPIKey", "email", `{"apiKey": ""}`, 422, "apiKey"},
			{"PublicKeyThatDoesNotParse", "email", `{"webhookPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZI"}`, 422, "webhookPublicKey"},
			{"BaseURLIsTheOperators", "email", `{"apiKey": "SG.own", "baseUrl": "https://elsewhere.example/x?"}`, 422, "baseUrl"},
			{"LINEBaseURLIsTheOperators", "line", `{"baseUrl": "https://elsewhere.example"}`, 422, "baseUrl"},
			{"EmptyLINEToken", "line", `{"channelAccessToken": "  "}`, 422, "channelAccessToken"},
			{"NotAServiceAccount", "push", `{"serviceAccount": {"type": "authorized_user", "client_id": "1"}}`, 422, "serviceAccount"},
			{"ServiceAccountFileName", "push", `{"serviceAccount": "/etc/key.json"}`, 422, "serviceAccount"},
			{"FieldOfAnotherChannel", "push", `{"apiKey": "SG.k"}`, 422, "apiKey"},
			{"NotAString", "email", `{"apiKey": 12}`, 400, "apiKey"},
			{"NoSetting", "email", `{}`, 400, "body"},
			{"NotJSON", "email", `apiKey=1`, 400, "body"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, body := b.put(t, tc.channel, tc.body)
				var p Problem
				_ = json.Unmarshal([]byte(body), &p)
				if code != tc.status || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
					t.Errorf("%d %s, want %d naming %s", code, body, tc.status, tc.field)
				}
			})
		}
		if code, body := b.put(t, "fax", `{"apiKey": "k"}`); code != 404 || !strings.Contains(body, "email, line, push, sms") {
			t.Errorf("unknown channel: %d %s", code, body)
		}
		if code, _ := b.do(t, "GET", "/v1/channels/email", nil, ""); code != 401 {
			t.Errorf("without a key: %d, want 401", code)
		}
	})

	t.Run("SecretsAreWriteOnly", func(t *testing.T) {
		secrets := []string{"SG.api-secret-value", "line-token-secret-value", "line-channel-secret-value", "PRIVATE KEY"}
		code, body := b.put(t, "email", `{"apiKey": "SG.api-secret-value", "webhookPublicKey": "`+b.sgKey.publicKey+`"}`)
		mustStatus(t, "put email", code, body, 200)
		code, body = b.put(t, "line", `{"channelAccessToken": "line-token-secret-value", "channelSecret": "line-channel-secret-value"}`)
		mustStatus(t, "put line", code, body, 200)
		code, body = b.put(t, "push", `{"serviceAccount": `+string(account)+`}`)
		mustStatus(t, "put push", code, body, 200)

		var answers []string
		for _, path := range []string{"/v1/channels", "/v1/channels/email", "/v1/channels/line", "/v1/channels/push"} {
			code, body := b.do(t, "GET", path, b.admin, "")
			mustStatus(t, "GET "+path, code, body, 200)
			answers = append(answers, body)
		}
		for _, a := range answers {
			for _, s := range secrets {
				if strings.Contains(a, s) {
					t.Errorf("an answer shows the secret %q: %s", s, a)
				}
			}
		}
		var v settings.View
		if err := json.Unmarshal([]byte(answers[1]), &v); err != nil {
			t.Fatal(err)
		}
		key := v.Settings["apiKey"]
		if !key.Set || !key.Secret || key.Fingerprint != settings.Fingerprint("SG.api-secret-value") || key.Source != "workspace" ||
			v.SendsThrough != "sendgrid" || v.Settings["webhookPublicKey"].Value != b.sgKey.publicKey {
			t.Errorf("GET email = %s", answers[1])
		}
		// The other workspace sees none of it.
		otherAdmin, _ := b.keys(t, "other")
		_, body = b.do(t, "GET", "/v1/channels/email", otherAdmin, "")
		if !strings.Contains(body, `"sendsThrough":"outbox"`) || strings.Contains(body, settings.Fingerprint("SG.api-secret-value")) {
			t.Errorf("other workspace's email settings: %s", body)
		}
	})

	t.Run("DeleteBringsTheEnvironmentBack", func(t *testing.T) {
		code, body := b.do(t, "DELETE", "/v1/channels/line", b.admin, "")
		mustStatus(t, "delete", code, body, 204)
		_, body = b.do(t, "GET", "/v1/channels/line", b.admin, "")
		if !strings.Contains(body, `"sendsThrough":"outbox"`) || !strings.Contains(body, `"source":"environment"`) {
			t.Errorf("after delete: %s", body)
		}
		if code, body := b.do(t, "DELETE", "/v1/channels/line", b.admin, ""); code != 404 {
			t.Errorf("second delete: %d %s", code, body)
		}
	})
}

// TestWebhooksUseTheWorkspaceSecret: each workspace's LINE webhook verifies
// with its own channel secret, and SendGrid's with its own public key.
func TestWebhooksUseTheWorkspaceSecret(t *testing.T) {
	t.Parallel()
	b := setupChannels(t)
	otherAdmin, _ := b.keys(t, "other")
	otherAdmin["Content-Type"] = "application/json"
	if code, body := b.put(t, "line", `{"channelSecret": "secret-of-w"}`); code != 200 {
		t.Fatalf("put w: %d %s", code, body)
	}
	if code, body := b.do(t, "PUT", "/v1/channels/line", otherAdmin, `{"channelSecret": "secret-of-other"}`); code != 200 {
		t.Fatalf("put other: %d %s", code, body)
	}
	body := lineBody(lineEventJSON("ev1", "follow", testLineUser, false, ""))
	post := func(ws, secret string) int {
		code, _ := b.do(t, "POST", "/webhooks/line/"+ws, map[string]string{"Content-Type": "application/json",
			"x-line-signature": lineSignature(secret, body)}, body)
		return code
	}
	if code := post("other", "secret-of-w"); code != 401 {
		t.Errorf("workspace other's webhook signed with w's secret: %d, want 401", code)
	}
	if code := post("other", "secret-of-other"); code != 200 {
		t.Errorf("workspace other's webhook with its own secret: %d, want 200", code)
	}
	if code := post("w", "secret-of-w"); code != 200 {
		t.Errorf("workspace w's webhook with its own secret: %d, want 200", code)
	}
	// No secret anywhere: LINE webhooks of that workspace are off.
	if code, _ := b.do(t, "POST", "/webhooks/line/nobody", nil, body); code != 503 {
		t.Errorf("a workspace with no channel secret: %d, want 503", code)
	}

	// SendGrid: w's public key verifies w's deliveries only.
	if code, body := b.put(t, "email", `{"webhookPublicKey": "`+b.sgKey.publicKey+`"}`); code != 200 {
		t.Fatalf("put email: %d %s", code, body)
	}
	other := newSendGridSigner(t)
	if code, body := b.do(t, "PUT", "/v1/channels/email", otherAdmin, `{"webhookPublicKey": "`+other.publicKey+`"}`); code != 200 {
		t.Fatalf("put other's key: %d %s", code, body)
	}
	events := "[" + sgEvent("sg1", "delivered", "nope", "") + "]"
	if code, _ := b.do(t, "POST", "/webhooks/sendgrid/other", b.sgKey.headers(t, events, time.Now()), events); code != 401 {
		t.Errorf("other's SendGrid webhook signed with w's key: %d, want 401", code)
	}
	if code, body := b.do(t, "POST", "/webhooks/sendgrid/w", b.sgKey.headers(t, events, time.Now()), events); code != 200 {
		t.Errorf("w's SendGrid webhook with its key: %d %s", code, body)
	}
}
