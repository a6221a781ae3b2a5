package cli

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/clicks"
	"github.com/tabiji/tabiji/secrets"
	"github.com/tabiji/tabiji/store"
)

// ChannelFlags configure the message providers: the defaults of every
// workspace, which may store its own (tabiji channels). A channel without
// credentials delivers to the development outbox. `tabiji dev` and
// `tabiji worker` hand them to the Send activity (see Delivery).
type ChannelFlags struct {
	PublicURL                string `name:"public-url" env:"TABIJI_PUBLIC_URL" help:"Public base URL of the API, for unsubscribe links in messages and the console's invitation, password-reset and single sign-on links; when https, the console session cookie is Secure and __Host- prefixed even behind a TLS-terminating proxy (tabiji dev: its own address)."`
	EmailFrom                string `name:"email-from" env:"TABIJI_EMAIL_FROM" help:"Sender address of emails whose content is inline in the journey (stored templates name their own)."`
	SendGridAPIKey           string `name:"sendgrid-api-key" env:"SENDGRID_API_KEY" help:"SendGrid API key (mail send): email goes through SendGrid."`
	SendGridBaseURL          string `name:"sendgrid-base-url" env:"SENDGRID_BASE_URL" help:"SendGrid API base URL (default https://api.sendgrid.com)."`
	SendGridWebhookPublicKey string `name:"sendgrid-webhook-public-key" env:"SENDGRID_WEBHOOK_PUBLIC_KEY" help:"Public key (base64) of SendGrid's signed Event Webhook."`
	SendGridSandbox          bool   `name:"sendgrid-sandbox" env:"SENDGRID_SANDBOX" help:"Send every email in SendGrid's sandbox mode (validated, never delivered)."`
	LINEChannelAccessToken   string `name:"line-channel-access-token" env:"LINE_CHANNEL_ACCESS_TOKEN" help:"LINE channel access token: LINE messages go through the Messaging API."`
	LINEChannelSecret        string `name:"line-channel-secret" env:"LINE_CHANNEL_SECRET" help:"LINE channel secret, which signs LINE's webhooks."`
	LINEAPIBaseURL           string `name:"line-api-base-url" env:"LINE_API_BASE_URL" help:"LINE Messaging API base URL (default https://api.line.me)."`
	FCMCredentialsFile       string `name:"fcm-credentials-file" env:"FCM_CREDENTIALS_FILE" type:"path" help:"Firebase service account key (JSON): push goes through FCM."`
	FCMBaseURL               string `name:"fcm-base-url" env:"FCM_BASE_URL" help:"FCM API base URL (default https://fcm.googleapis.com)."`
	TwilioAccountSID         string `name:"twilio-account-sid" env:"TWILIO_ACCOUNT_SID" help:"Twilio account SID (AC…): SMS goes through Twilio (with the auth token and a from number or messaging service)."`
	TwilioAuthToken          string `name:"twilio-auth-token" env:"TWILIO_AUTH_TOKEN" help:"Twilio auth token, which also signs Twilio's status callbacks and inbound messages."`
	TwilioFromNumber         string `name:"twilio-from-number" env:"TWILIO_FROM_NUMBER" help:"Sending number (E.164) or alphanumeric sender ID of SMS."`
	TwilioMessagingService   string `name:"twilio-messaging-service-sid" env:"TWILIO_MESSAGING_SERVICE_SID" help:"Twilio Messaging Service (MG…) that sends SMS, instead of a from number."`
	SMSDefaultRegion         string `name:"sms-default-region" env:"TABIJI_SMS_DEFAULT_REGION" help:"Region (JP, US, …) of customers' phone numbers written without a country code (default JP)."`
	TwilioAPIBaseURL         string `name:"twilio-api-base-url" env:"TWILIO_API_BASE_URL" help:"Twilio API base URL (default https://api.twilio.com)."`
	// EmailConfirmWindow: see activities.Options.ConfirmWithin.
	EmailConfirmWindow time.Duration `name:"email-confirm-window" env:"TABIJI_EMAIL_CONFIRM_WINDOW" default:"15m" help:"How long a retried email send waits for SendGrid's webhook to confirm an earlier attempt whose answer was lost, before settling it 'unconfirmed' (never sent twice); 0 without a webhook."`
	SMSConfirmWindow   time.Duration `name:"sms-confirm-window" env:"TABIJI_SMS_CONFIRM_WINDOW" default:"15m" help:"How long a retried SMS send waits for Twilio's status callback to confirm an earlier attempt whose answer was lost, before settling it 'unconfirmed' (never sent twice); 0 without a public URL."`
	// The settings above are defaults: a workspace's own (tabiji channels set) win field by field.
	SecretsKey string `name:"secrets-key" env:"TABIJI_SECRETS_KEY" help:"Key (at least 32 characters) sealing the provider secrets workspaces store with tabiji channels set; the same on the API and every worker (tabiji dev: generated into the data dir when unset)."`
	// Transport carries the providers' requests (nil: the default); the
	// commands set it to the tracing's, never a flag.
	Transport          http.RoundTripper `kong:"-"`
	ChannelSettingsTTL time.Duration     `name:"channel-settings-ttl" env:"TABIJI_CHANNEL_SETTINGS_TTL" default:"10s" help:"How long a process uses what it read of a workspace's channel settings before reading them again: a change made through the API reaches the workers within it."`
}

// Delivery returns the activities' options: the senders per workspace
// (the Resolver), what signs and roots the unsubscribe links, the click
// redirect's links (signed under the secrets key, rooted at the public
// URL), and the workspace secrets webhooks refer to (sealed with the same
// key).
func (f ChannelFlags) Delivery(st *store.Store, unsubscribeSecret string) (activities.Options, *settings.Resolver, error) {
	r, err := f.Resolver(st)
	if err != nil {
		return activities.Options{}, nil, err
	}
	opts := activities.Options{SenderFor: r.Sender, UnsubscribeSecret: unsubscribeSecret,
		PublicURL: f.PublicURL, EmailFrom: f.EmailFrom,
		ConfirmWithin: map[string]time.Duration{"email": f.EmailConfirmWindow, "sms": f.SMSConfirmWindow},
		Secrets:       secrets.NewVault(st, r.Keyring())}
	if f.SecretsKey != "" && f.PublicURL != "" {
		signer, err := clicks.NewSigner(f.SecretsKey)
		if err != nil {
			return activities.Options{}, nil, fmt.Errorf("TABIJI_SECRETS_KEY: %w", err)
		}
		opts.Clicks = &clicks.Rewriter{Signer: signer, Base: f.PublicURL}
	}
	return opts, r, nil
}

// Resolver returns what picks each workspace's sender and webhook secrets:
// its stored settings field by field, else these flags, else the outbox.
// A flag whose value its provider cannot take (a webhook public key that
// does not parse, a base URL that is not http(s), an unreadable or
// malformed FCM key) is an error naming the variable, so the process stops
// at start rather than failing every request.
func (f ChannelFlags) Resolver(st *store.Store) (*settings.Resolver, error) {
	defaults, err := f.defaults()
	if err != nil {
		return nil, err
	}
	var keys *settings.Keyring
	if f.SecretsKey != "" {
		if keys, err = settings.NewKeyring(f.SecretsKey); err != nil {
			return nil, fmt.Errorf("TABIJI_SECRETS_KEY: %w", err)
		}
	}
	return settings.NewResolver(st, settings.Options{Keyring: keys, Defaults: defaults,
		Sandbox: f.SendGridSandbox, TTL: f.ChannelSettingsTTL, Transport: f.Transport}), nil
}

// check refuses, before anything starts, a flag whose value its provider
// cannot take, and a SendGrid key without a sender for inline emails
// (SendGrid refuses a mail without from); the error names the variable.
func (f ChannelFlags) check() error {
	if f.SendGridAPIKey != "" && strings.TrimSpace(f.EmailFrom) == "" {
		return errors.New("TABIJI_EMAIL_FROM: must be set when SENDGRID_API_KEY is: it is the sender of emails whose content is inline in a journey")
	}
	_, err := f.defaults()
	if err == nil && f.SecretsKey != "" {
		if _, err = settings.NewKeyring(f.SecretsKey); err != nil {
			err = fmt.Errorf("TABIJI_SECRETS_KEY: %w", err)
		}
	}
	return err
}

// channelEnv names the variable behind each default setting.
var channelEnv = map[string]map[string]string{
	"email": {settings.APIKey: "SENDGRID_API_KEY", settings.BaseURL: "SENDGRID_BASE_URL", settings.WebhookPublicKey: "SENDGRID_WEBHOOK_PUBLIC_KEY"},
	"line":  {settings.ChannelAccessToken: "LINE_CHANNEL_ACCESS_TOKEN", settings.ChannelSecret: "LINE_CHANNEL_SECRET", settings.BaseURL: "LINE_API_BASE_URL"},
	"push":  {settings.ServiceAccount: "FCM_CREDENTIALS_FILE", settings.BaseURL: "FCM_BASE_URL"},
	"sms": {settings.AccountSID: "TWILIO_ACCOUNT_SID", settings.AuthToken: "TWILIO_AUTH_TOKEN", settings.FromNumber: "TWILIO_FROM_NUMBER",
		settings.MessagingServiceSID: "TWILIO_MESSAGING_SERVICE_SID", settings.DefaultRegion: "TABIJI_SMS_DEFAULT_REGION", settings.BaseURL: "TWILIO_API_BASE_URL"},
}

// defaults are the flags as settings by channel, checked.
func (f ChannelFlags) defaults() (map[string]settings.Values, error) {
	d := map[string]settings.Values{
		"email": {settings.APIKey: f.SendGridAPIKey, settings.BaseURL: f.SendGridBaseURL, settings.WebhookPublicKey: f.SendGridWebhookPublicKey},
		"line":  {settings.ChannelAccessToken: f.LINEChannelAccessToken, settings.ChannelSecret: f.LINEChannelSecret, settings.BaseURL: f.LINEAPIBaseURL},
		"push":  {settings.BaseURL: f.FCMBaseURL},
		"sms": {settings.AccountSID: f.TwilioAccountSID, settings.AuthToken: f.TwilioAuthToken, settings.FromNumber: f.TwilioFromNumber,
			settings.MessagingServiceSID: f.TwilioMessagingService, settings.DefaultRegion: f.SMSDefaultRegion, settings.BaseURL: f.TwilioAPIBaseURL},
	}
	if f.FCMCredentialsFile != "" {
		raw, err := os.ReadFile(f.FCMCredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("FCM_CREDENTIALS_FILE: %w", err)
		}
		d["push"][settings.ServiceAccount] = string(raw)
	}
	for _, ch := range settings.Channels {
		maps.DeleteFunc(d[ch], func(_, v string) bool { return v == "" })
		if errs := settings.ValidateDefaults(ch, d[ch]); len(errs) > 0 {
			return nil, fmt.Errorf("%s: %s", channelEnv[ch][errs[0].Field], errs[0].Message)
		}
	}
	return d, nil
}
