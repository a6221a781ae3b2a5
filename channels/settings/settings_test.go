package settings_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/fcm"
	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/channels/providertest"
	"github.com/tabiji/tabiji/channels/sendgrid"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const testKey = "0123456789abcdef0123456789abcdef-test"

// publicKey is a SendGrid webhook public key: base64 DER of an ECDSA P-256 key.
func publicKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

type bundle struct {
	store *store.Store
	db    *pgxpool.Pool
	keys  *settings.Keyring
}

func setup(t *testing.T) *bundle {
	t.Helper()
	url := pgtest.URL(t)
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	keys, err := settings.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{store: st, db: db, keys: keys}
}

func (b *bundle) resolver(defaults map[string]settings.Values) *settings.Resolver {
	return settings.NewResolver(b.store, settings.Options{Keyring: b.keys, Defaults: defaults, TTL: time.Hour})
}

func TestValidate(t *testing.T) {
	pk := publicKey(t)
	fake := providertest.NewFCM(t)
	account, err := os.ReadFile(fake.CredentialsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, channel string
		values        settings.Values
		field, want   string // "" when valid
	}{
		{"GoodEmail", "email", settings.Values{"apiKey": "SG.k", "webhookPublicKey": pk}, "", ""},
		{"BaseURLIsOperatorConfiguration", "email", settings.Values{"baseUrl": "https://api.sendgrid.com"}, "baseUrl", "operator configuration: the provider's endpoint is set by SENDGRID_BASE_URL"},
		{"LINEBaseURLIsOperatorConfiguration", "line", settings.Values{"channelAccessToken": "t", "baseUrl": "https://elsewhere.example/x?"}, "baseUrl", "LINE_API_BASE_URL"},
		{"EmptyAPIKey", "email", settings.Values{"apiKey": " "}, "apiKey", "must not be empty"},
		{"APIKeyWithALineBreak", "email", settings.Values{"apiKey": "SG.k\nX-Evil: 1"}, "apiKey", "must not contain spaces"},
		{"EmptyBaseURLClears", "line", settings.Values{"baseUrl": ""}, "", ""},
		{"PublicKeyThatDoesNotParse", "email", settings.Values{"webhookPublicKey": "bm90IGEga2V5"}, "webhookPublicKey", "base64 ECDSA public key"},
		{"EmptyChannelSecret", "line", settings.Values{"channelAccessToken": "t", "channelSecret": ""}, "channelSecret", "must not be empty"},
		{"FieldOfAnotherChannel", "line", settings.Values{"apiKey": "SG.k"}, "apiKey", "not a line setting"},
		{"GoodServiceAccount", "push", settings.Values{"serviceAccount": string(account)}, "", ""},
		{"ServiceAccountNotJSON", "push", settings.Values{"serviceAccount": "key.json"}, "serviceAccount", "must be a service account key (JSON)"},
		{"UserCredentialsNotServiceAccount", "push", settings.Values{"serviceAccount": `{"type":"authorized_user","client_id":"x"}`}, "serviceAccount", `not "service_account"`},
		{"GoodSMS", "sms", settings.Values{"accountSid": "AC" + strings.Repeat("a1", 16), "authToken": strings.Repeat("0f", 16),
			"fromNumber": "+815012345678", "messagingServiceSid": "MG" + strings.Repeat("b2", 16), "defaultRegion": "JP"}, "", ""},
		{"AlphanumericSender", "sms", settings.Values{"fromNumber": "TABIJI"}, "", ""},
		{"AccountSIDWithoutAC", "sms", settings.Values{"accountSid": strings.Repeat("a1", 17)}, "accountSid", "AC and 32 hex digits"},
		{"AuthTokenNotHex", "sms", settings.Values{"authToken": "not-a-token"}, "authToken", "32 hex digits"},
		{"FromNumberNotE164", "sms", settings.Values{"fromNumber": "050-1234-5678"}, "fromNumber", "E.164"},
		{"MessagingServiceOfAnotherKind", "sms", settings.Values{"messagingServiceSid": "AC" + strings.Repeat("b2", 16)}, "messagingServiceSid", "MG and 32 hex digits"},
		{"RegionNotACode", "sms", settings.Values{"defaultRegion": "Japan"}, "defaultRegion", "region code"},
		{"TwilioBaseURLIsOperatorConfiguration", "sms", settings.Values{"baseUrl": "https://api.twilio.com"}, "baseUrl", "TWILIO_API_BASE_URL"},
		{"ServiceAccountWithoutKey", "push", settings.Values{"serviceAccount": `{"type":"service_account","project_id":"p","client_email":"a@b"}`}, "serviceAccount", "it has no private_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := settings.Validate(tc.channel, tc.values)
			switch {
			case tc.field == "" && len(errs) > 0:
				t.Errorf("errors %+v, want none", errs)
			case tc.field != "" && (len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Message, tc.want)):
				t.Errorf("errors %+v, want one on %s containing %q", errs, tc.field, tc.want)
			}
		})
	}
	// The operator's base URLs (from the environment) are checked as URLs.
	for _, v := range []settings.Values{{"baseUrl": "ftp://sendgrid.example"}, {"baseUrl": "https://"}} {
		if errs := settings.ValidateDefaults("email", v); len(errs) != 1 || !strings.Contains(errs[0].Message, "http:// or https://") {
			t.Errorf("operator's %v: %+v, want an error on baseUrl", v, errs)
		}
	}
	if errs := settings.ValidateDefaults("line", settings.Values{"baseUrl": "https://line.internal"}); len(errs) != 0 {
		t.Errorf("operator's base URL refused: %+v", errs)
	}
}

func TestKeyring(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	r := b.resolver(nil)
	if _, err := r.Put(ctx, "ws_a", "line", settings.Values{"channelAccessToken": "tok-a"}); err != nil {
		t.Fatal(err)
	}
	t.Run("ARowCopiedToAnotherWorkspaceDoesNotOpen", func(t *testing.T) {
		if _, err := b.db.Exec(ctx, `INSERT INTO channel_settings (workspace_id, channel, config, secrets, fingerprints)
			SELECT 'ws_b', channel, config, secrets, fingerprints FROM channel_settings WHERE workspace_id = 'ws_a'`); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Settings(ctx, "ws_b", "line"); err == nil {
			t.Error("ws_a's sealed secrets opened as ws_b's")
		}
	})
	t.Run("AnotherKeyDoesNotOpen", func(t *testing.T) {
		other, err := settings.NewKeyring(strings.Repeat("x", 40))
		if err != nil {
			t.Fatal(err)
		}
		r2 := settings.NewResolver(b.store, settings.Options{Keyring: other})
		if _, err := r2.Settings(ctx, "ws_a", "line"); err == nil || !strings.Contains(err.Error(), "TABIJI_SECRETS_KEY") {
			t.Errorf("another key: %v, want an error naming TABIJI_SECRETS_KEY", err)
		}
	})
	t.Run("NoKeyStoresNoSecret", func(t *testing.T) {
		r3 := settings.NewResolver(b.store, settings.Options{})
		if _, err := r3.Put(ctx, "ws_c", "email", settings.Values{"apiKey": "SG.k"}); !errors.Is(err, settings.ErrNoKey) {
			t.Errorf("put without a key: %v, want ErrNoKey", err)
		}
		if _, err := r3.Put(ctx, "ws_c", "email", settings.Values{"webhookPublicKey": publicKey(t)}); err != nil {
			t.Errorf("a non-secret setting needs no key: %v", err)
		}
	})
	if _, err := settings.NewKeyring("short"); err == nil {
		t.Error("a 5-character secrets key was taken")
	}
}

// TestStoredSettings: a round trip through the store, field by field over
// the environment's; secrets sealed at rest and never in a View.
func TestStoredSettings(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	envKey, wsKey := "SG.env-secret-key", "SG.workspace-secret-key"
	r := b.resolver(map[string]settings.Values{"email": {"apiKey": envKey, "baseUrl": "https://env.example"}})

	view, err := r.View(ctx, "ws", "email")
	if err != nil {
		t.Fatal(err)
	}
	if f := view.Settings["apiKey"]; !f.Set || !f.Secret || f.Source != settings.FromEnvironment || f.Fingerprint != settings.Fingerprint(envKey) || view.SendsThrough != "sendgrid" {
		t.Errorf("before any put: %+v", view)
	}
	view, err = r.Put(ctx, "ws", "email", settings.Values{"apiKey": wsKey, "webhookPublicKey": publicKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if f := view.Settings["apiKey"]; f.Source != settings.FromWorkspace || f.Fingerprint != settings.Fingerprint(wsKey) || f.Value != "" {
		t.Errorf("apiKey after put: %+v", f)
	}
	if f := view.Settings["baseUrl"]; f.Source != settings.FromEnvironment || f.Value != "https://env.example" {
		t.Errorf("baseUrl (not given) = %+v, want the environment's", f)
	}
	raw, _ := json.Marshal(view)
	if bytes.Contains(raw, []byte(wsKey)) || bytes.Contains(raw, []byte(envKey)) {
		t.Errorf("a secret is in the view: %s", raw)
	}
	var row []byte
	if err := b.db.QueryRow(ctx, `SELECT convert_to(config::text, 'UTF8') || secrets || convert_to(fingerprints::text, 'UTF8')
		FROM channel_settings WHERE workspace_id = 'ws'`).Scan(&row); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row, []byte(wsKey)) || bytes.Contains(row, []byte("workspace-secret")) {
		t.Errorf("the API key is stored in clear: %q", row)
	}

	// A put of another field keeps the secret; the settings in effect mix both sources.
	if _, err := r.Put(ctx, "ws", "email", settings.Values{"webhookPublicKey": ""}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Settings(ctx, "ws", "email")
	if err != nil {
		t.Fatal(err)
	}
	if got["apiKey"] != wsKey || got["baseUrl"] != "https://env.example" {
		t.Errorf("settings in effect = %v", got)
	}
	// A base URL stored before endpoints became operator configuration (Put
	// does not check; the API does) is ignored, and the view says so.
	if _, err := r.Put(ctx, "ws", "email", settings.Values{"baseUrl": "https://ws.example"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Settings(ctx, "ws", "email"); got["baseUrl"] != "https://env.example" {
		t.Errorf("a stored workspace base URL is in effect: %v", got)
	}
	view, _ = r.View(ctx, "ws", "email")
	if f := view.Settings["baseUrl"]; f.Value != "https://env.example" || f.Source != settings.FromEnvironment || !strings.Contains(f.Ignored, "https://ws.example is ignored") {
		t.Errorf("baseUrl view with a stored workspace value = %+v", f)
	}
	if other, _ := r.Settings(ctx, "other", "email"); other["apiKey"] != envKey {
		t.Errorf("another workspace got %v, want the environment's key", other)
	}
	views, err := r.List(ctx, "ws")
	if err != nil || len(views) != 4 || views[1].SendsThrough != "outbox" || views[3].Provider != "twilio" {
		t.Errorf("list = %+v, %v: want email, line (outbox), push, sms (twilio)", views, err)
	}

	if err := r.Delete(ctx, "ws", "email"); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Settings(ctx, "ws", "email"); got["apiKey"] != envKey {
		t.Errorf("after delete: %v, want the environment's again", got)
	}
	if err := r.Delete(ctx, "ws", "email"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

// TestSenders: two workspaces with different SendGrid keys send through
// the fake, each request carrying its workspace's key; a workspace with no
// credential and no default sends to the outbox; LINE and FCM settings
// stored per workspace reach their fakes.
func TestSenders(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	sg, ln, push := providertest.NewSendGrid(t), providertest.NewLINE(t), providertest.NewFCM(t)
	r := b.resolver(map[string]settings.Values{"email": {"baseUrl": sg.URL}, "line": {"baseUrl": ln.URL}, "push": {"baseUrl": push.URL}})
	for ws, key := range map[string]string{"ws_a": "SG.key-of-a", "ws_b": "SG.key-of-b"} {
		if _, err := r.Put(ctx, ws, "email", settings.Values{"apiKey": key}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ws := range []string{"ws_a", "ws_b", "ws_a"} {
		s, err := r.Sender(ctx, ws, "email")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*sendgrid.Sender); !ok {
			t.Fatalf("%s email sender = %T", ws, s)
		}
		send(t, s, channels.Message{ID: "m-" + ws, WorkspaceID: ws, To: "a@example.com", Email: &channels.Email{From: "b@example.com", Subject: "s", Text: "t"}})
	}
	var auth []string
	for _, req := range sg.Requests() {
		auth = append(auth, req.Header.Get("Authorization"))
	}
	if want := "Bearer SG.key-of-a,Bearer SG.key-of-b,Bearer SG.key-of-a"; strings.Join(auth, ",") != want {
		t.Errorf("Authorization headers = %v, want %s", auth, want)
	}
	if s, _ := r.Sender(ctx, "ws_c", "email"); !isOutbox(s) {
		t.Errorf("ws_c (no key anywhere) sends through %T, want the outbox", s)
	}

	account, err := os.ReadFile(push.CredentialsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Put(ctx, "ws_a", "line", settings.Values{"channelAccessToken": "line-token-a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Put(ctx, "ws_a", "push", settings.Values{"serviceAccount": string(account)}); err != nil {
		t.Fatal(err)
	}
	ls, _ := r.Sender(ctx, "ws_a", "line")
	ps, _ := r.Sender(ctx, "ws_a", "push")
	if _, ok := ls.(*line.Sender); !ok {
		t.Fatalf("line sender = %T", ls)
	}
	if _, ok := ps.(*fcm.Sender); !ok {
		t.Fatalf("push sender = %T", ps)
	}
	send(t, ls, channels.Message{ID: "l1", To: "U" + strings.Repeat("0", 32), LINE: []json.RawMessage{json.RawMessage(`{"type":"text","text":"hi"}`)}})
	send(t, ps, channels.Message{ID: "p1", To: "device-token", Push: &channels.Push{Title: "t", Body: "b"}})
	if reqs := ln.Requests(); len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer line-token-a" {
		t.Errorf("LINE requests = %+v", reqs)
	}
	if len(push.Requests()) != 1 {
		t.Errorf("FCM got %d requests, want 1", len(push.Requests()))
	}
}

func TestSMSSettings(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	tw := providertest.NewTwilio(t)
	r := b.resolver(map[string]settings.Values{"sms": {"baseUrl": tw.URL}})
	t.Run("IncompleteSettingsAreRefusedNamingWhatIsMissing", func(t *testing.T) {
		_, err := r.Put(ctx, "ws", "sms", settings.Values{"accountSid": tw.AccountSID})
		var errs jsonfields.Errors
		if !errors.As(err, &errs) || len(errs) != 2 || errs[0].Field != "authToken" || errs[1].Field != "fromNumber" {
			t.Fatalf("Put = %v; want errors on authToken and fromNumber", err)
		}
		if v, _ := r.View(ctx, "ws", "sms"); v.Settings["accountSid"].Set {
			t.Errorf("an incomplete change was stored: %+v", v)
		}
	})
	t.Run("CompleteSettingsSendThroughTwilio", func(t *testing.T) {
		v, err := r.Put(ctx, "ws", "sms", settings.Values{"accountSid": tw.AccountSID, "authToken": tw.AuthToken, "fromNumber": "+815012345678"})
		if err != nil || v.SendsThrough != "twilio" || !v.Settings["authToken"].Secret || v.Settings["authToken"].Value != "" {
			t.Fatalf("Put = %+v, %v; want twilio, the token write-only", v, err)
		}
		s, err := r.Sender(ctx, "ws", "sms")
		if err != nil {
			t.Fatal(err)
		}
		to, err := s.(channels.Addresser).Address("090-1234-5678")
		if err != nil || to != "+819012345678" {
			t.Fatalf("Address = %q, %v", to, err)
		}
		send(t, s, channels.Message{ID: "s1", To: to, SMS: &channels.SMS{Body: "hi"}})
		if got := tw.Messages(); len(got) != 1 || got[0].To != "+819012345678" || got[0].From != "+815012345678" {
			t.Errorf("Twilio got %+v", got)
		}
	})
	t.Run("DroppingTheSenderOfCompleteSettingsIsRefused", func(t *testing.T) {
		_, err := r.Put(ctx, "ws", "sms", settings.Values{"fromNumber": ""})
		var errs jsonfields.Errors
		if !errors.As(err, &errs) || errs[0].Field != "fromNumber" {
			t.Errorf("Put = %v; want an error on fromNumber", err)
		}
	})
}

// TestChangesReachOtherProcesses: a change made through one Resolver (the
// API's) is in effect at once there, and in another (a worker's) once its
// TTL has passed, without a restart; a sender is kept while its settings
// do not change.
func TestChangesReachOtherProcesses(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	sg := providertest.NewSendGrid(t)
	api := b.resolver(map[string]settings.Values{"email": {"baseUrl": sg.URL}})
	const ttl = 200 * time.Millisecond
	worker := settings.NewResolver(b.store, settings.Options{Keyring: b.keys, TTL: ttl,
		Defaults: map[string]settings.Values{"email": {"baseUrl": sg.URL}}})

	for _, r := range []*settings.Resolver{api, worker} {
		if s, _ := r.Sender(ctx, "ws", "email"); !isOutbox(s) {
			t.Fatalf("before any settings: %T, want the outbox", s)
		}
	}
	if _, err := api.Put(ctx, "ws", "email", settings.Values{"apiKey": "SG.first"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := api.Sender(ctx, "ws", "email"); isOutbox(s) {
		t.Error("the API's own resolver still sends to the outbox after its put")
	}
	first := waitForSender(t, worker, func(s channels.Sender) bool { return !isOutbox(s) })
	if again, _ := worker.Sender(ctx, "ws", "email"); again != first {
		t.Error("the sender was rebuilt though its settings did not change")
	}
	if _, err := api.Put(ctx, "ws", "email", settings.Values{"apiKey": "SG.second"}); err != nil {
		t.Fatal(err)
	}
	second := waitForSender(t, worker, func(s channels.Sender) bool { return s != first })
	send(t, second, channels.Message{ID: "m", To: "a@example.com", Email: &channels.Email{From: "b@example.com", Subject: "s", Text: "t"}})
	if reqs := sg.Requests(); len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer SG.second" {
		t.Errorf("after the change the worker sent with %v", reqs)
	}
}

// waitForSender polls the worker's email sender of ws until ok, for 5 s.
func waitForSender(t *testing.T, r *settings.Resolver, ok func(channels.Sender) bool) channels.Sender {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := r.Sender(context.Background(), "ws", "email")
		if err != nil {
			t.Fatal(err)
		}
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker's sender is still %T after 5 s", s)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

func isOutbox(s channels.Sender) bool {
	_, ok := s.(*outbox.Sender)
	return ok
}

func send(t *testing.T, s channels.Sender, m channels.Message) {
	t.Helper()
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Errorf("send %s: %v", m.ID, err)
	}
}
